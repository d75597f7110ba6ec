package io.canopy.modules.exec;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Starts the part of a job this node runs through canopy-launch, which alone switches to the
 * submitter (after which it applies the directory, the output files, the PATH search and the
 * environment) and contains the job in a cgroup. This class checks what needs no privilege, turns
 * a {@link StartRequest} into a {@link LaunchRequest} (the job's environment plus the
 * {@code CANOPY_*} variables) and opens the {@link Launch}.
 */
final class TaskLauncher {
    private final Launcher launcher;
    private final Optional<String> unusable;
    private final String host;
    private final String localUri;
    private final int myUid;
    private final String scope;
    private final String containment;

    /**
     * @param launcher    how to reach canopy-launch
     * @param unusable    why it cannot be used (every start is then refused with this), or empty
     * @param containment {@code [job-exec] containment}
     */
    TaskLauncher(Launcher launcher, Optional<String> unusable, String host, String localUri, int myUid, String containment) {
        this.launcher = launcher;
        this.unusable = unusable;
        this.host = host;
        this.localUri = localUri;
        this.myUid = myUid;
        this.containment = containment;
        this.scope = scope(host, localUri);
    }

    Launcher launcher() {
        return launcher;
    }

    /** This broker's part of the cgroup tree: {@code canopy-SCOPE} holds its jobs' cgroups. */
    String scope() {
        return scope;
    }

    /** Names this broker's cgroups: its host and a digest of its local socket (several brokers may share a host). */
    static String scope(String host, String localUri) {
        String h = host.replaceAll("[^A-Za-z0-9._-]", "_");
        h = h.length() > 40 ? h.substring(0, 40) : h;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(localUri.getBytes(StandardCharsets.UTF_8));
            return h + "-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Refuses, with the reason, what no launcher could start. */
    void check(StartRequest job) throws RpcException {
        if (unusable.isPresent()) {
            throw new RpcException(Errno.EAGAIN, "cannot start job " + job.id() + " on " + host + ": " + unusable.get());
        }
        if (job.command().isEmpty()) {
            throw new RpcException(Errno.EINVAL, "job " + job.id() + " has no command");
        }
        if (job.tasks().isEmpty()) {
            throw new RpcException(Errno.EINVAL, "job " + job.id() + " has no task for " + host);
        }
        if (job.cwd() == null || !job.cwd().startsWith("/")) {
            throw new RpcException(Errno.EINVAL, "job " + job.id() + ": its directory must be an absolute path, not "
                    + job.cwd());
        }
        if (launcher instanceof Launcher.Direct && job.userid() != myUid && myUid != 0) {
            throw new RpcException(Errno.EPERM, "cannot start job " + job.id() + " on " + host + ": this broker runs as uid "
                    + myUid + " and cannot run tasks as uid " + job.userid()
                    + " (run brokers as root, or set [job-exec] launcher_socket)");
        }
    }

    /** What the launcher is asked for: the job's own environment (PATH defaulted) and the CANOPY_* variables. */
    LaunchRequest request(StartRequest job) {
        Map<String, String> env = new LinkedHashMap<>(job.env());
        env.remove("NOTIFY_SOCKET"); // a task must not speak to systemd as the broker's unit
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("CANOPY_JOB_ID", Long.toString(job.id()));
        env.put("CANOPY_JOB_SIZE", Integer.toString(job.ntasks()));
        env.put("CANOPY_JOB_NNODES", Integer.toString(job.nnodes()));
        env.put("CANOPY_URI", localUri);
        return new LaunchRequest(job.userid(), job.id(), scope, containment, job.cwd(), job.output(), job.error(),
                job.command(), env, job.tasks());
    }

    /** Starts the job's tasks here; the listener hears whether they started, on the reader's thread. */
    Launch launch(StartRequest job, Executor io, Launch.Listener listener) throws RpcException {
        try {
            return Launch.start(launcher, request(job), io, listener);
        } catch (IOException e) {
            throw new RpcException(Errno.EIO, "cannot start job " + job.id() + " on " + host + ": " + e.getMessage());
        }
    }

    /** Kills and removes what jobs of an earlier run of this broker left in their cgroups; says what it did. */
    String cleanup() throws IOException {
        return ask('C', scope);
    }

    /** Kills and removes what is left of one job here (its launcher went away). */
    String cleanup(long jobId) throws IOException {
        return ask('C', scope + " " + jobId);
    }

    private String ask(char what, String value) throws IOException {
        if (unusable.isPresent()) {
            throw new IOException(unusable.get());
        }
        try (LaunchChannel ch = launcher.open()) {
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            LaunchProtocol.frame(req, what, value);
            ch.out().write(req.toByteArray());
            ch.out().flush();
            return LaunchProtocol.answer(ch.in());
        }
    }
}
