package io.canopy.modules.exec;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts one task of a job as a real process: in a session of its own ({@code setsid}, so the
 * task and everything it forks can be signalled as one group), as the submitting user when the
 * broker runs as root ({@code setpriv}), in the job's directory, with the job's environment plus
 * the {@code CANOPY_*} variables, and with its output sent to the job's files or to pipes.
 */
final class TaskLauncher {
    private static final Pattern ERRNO = Pattern.compile("error=(\\d+), (.*)");
    private final String host;
    private final String localUri;
    private final int myUid;

    TaskLauncher(String host, String localUri, int myUid) {
        this.host = host;
        this.localUri = localUri;
        this.myUid = myUid;
    }

    /** Checks what would make every task fail to start, so that the start is refused with the reason. */
    void check(StartRequest job) throws RpcException {
        if (job.command().isEmpty()) {
            throw new RpcException(Errno.EINVAL, "job " + job.id() + " has no command");
        }
        Path cwd = Path.of(job.cwd() == null ? "/" : job.cwd());
        if (!Files.isDirectory(cwd)) {
            throw new RpcException(Errno.ENOENT, "cannot start job " + job.id() + " on " + host + ": its directory "
                    + cwd + " does not exist there");
        }
        String cmd = job.command().get(0);
        if (resolve(cmd, job.env().get("PATH")) == null) {
            throw new RpcException(Errno.ENOENT, "cannot start job " + job.id() + " on " + host + ": command not found: "
                    + cmd + (cmd.contains("/") ? "" : " (searched the job's PATH)"));
        }
        if (job.userid() != myUid && myUid != 0) {
            throw new RpcException(Errno.EPERM, "cannot start job " + job.id() + " on " + host + ": this broker runs as uid "
                    + myUid + " and cannot run tasks as uid " + job.userid());
        }
        if (needsUserSwitch(job) && Passwd.gid(job.userid()) < 0) {
            throw new RpcException(Errno.EINVAL, "cannot start job " + job.id() + " on " + host + ": uid "
                    + job.userid() + " has no entry in /etc/passwd there");
        }
    }

    /** Starts task {@code task} of {@code job}. */
    Process start(StartRequest job, int task) throws RpcException {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        if (needsUserSwitch(job)) {
            argv.addAll(List.of("setpriv", "--reuid=" + job.userid(), "--regid=" + Passwd.gid(job.userid()), "--init-groups"));
        }
        argv.addAll(job.command());
        ProcessBuilder pb = new ProcessBuilder(argv).directory(new File(job.cwd()));
        Map<String, String> env = pb.environment();
        if (!job.env().isEmpty()) {
            env.clear();
            env.putAll(job.env());
        }
        env.remove("NOTIFY_SOCKET"); // a task must not speak to systemd as the broker's unit
        env.put("CANOPY_JOB_ID", Long.toString(job.id()));
        env.put("CANOPY_TASK_RANK", Integer.toString(task));
        env.put("CANOPY_JOB_SIZE", Integer.toString(job.ntasks()));
        env.put("CANOPY_JOB_NNODES", Integer.toString(job.nnodes()));
        env.put("CANOPY_URI", localUri);
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        if (job.output() != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(new File(job.output())));
        }
        if (job.error() != null) {
            pb.redirectError(ProcessBuilder.Redirect.appendTo(new File(job.error())));
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            return pb.start();
        } catch (IOException e) {
            throw failure(job, e);
        }
    }

    private boolean needsUserSwitch(StartRequest job) {
        return myUid == 0 && job.userid() != 0;
    }

    private RpcException failure(StartRequest job, IOException e) {
        Matcher m = ERRNO.matcher(String.valueOf(e.getMessage()));
        boolean found = m.find();
        int errno = found ? Integer.parseInt(m.group(1)) : Errno.EIO;
        String why = found ? m.group(2) : String.valueOf(e.getMessage());
        return new RpcException(errno, "cannot start job " + job.id() + " on " + host + ": " + why
                + (job.output() != null || job.error() != null ? " (check its --output/--error paths)" : ""));
    }

    /** The executable {@code cmd} names (a path, or found on {@code path}), or null. */
    static Path resolve(String cmd, String path) {
        if (cmd.contains("/")) {
            Path p = Path.of(cmd);
            return Files.isExecutable(p) && !Files.isDirectory(p) ? p : null;
        }
        String dirs = path == null || path.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : path;
        for (String d : dirs.split(":")) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, cmd);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
