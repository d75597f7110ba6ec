package io.canopy.modules.rexec;

import io.canopy.message.Errno;
import io.canopy.module.Durations;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command run for {@code canopy exec}: a process in a session of its own ({@code setsid}, so
 * that it and everything it forks are signalled as one group), its output streamed to the caller as
 * it comes, its standard input fed from the caller's writes, and its end reported once all output
 * has gone. Output is read on I/O threads and handed to the module thread; everything else runs on
 * the module thread.
 */
final class Proc {
    /** After a SIGTERM (or any signal but SIGKILL), SIGKILL follows this much later. */
    static final Duration KILL_AFTER = Duration.ofSeconds(5);
    private static final Pattern ERRNO = Pattern.compile("error=(\\d+), (.*)");
    private static final int CHUNK = 64 * 1024;

    private final Process process;
    private final String command;
    private final Request req;
    private final ExecutorService io;
    private final ModuleContext ctx;
    private final OutputStream stdin;
    private volatile long lastWord = System.nanoTime();
    /** Writes to standard input, one after the other in the order they came (module thread only). */
    private CompletableFuture<Void> writes = CompletableFuture.completedFuture(null);
    private boolean killScheduled;

    private Proc(Process process, String command, Request req, ExecutorService io, ModuleContext ctx) {
        this.process = process;
        this.command = command;
        this.req = req;
        this.io = io;
        this.ctx = ctx;
        this.stdin = process.getOutputStream();
    }

    /** Starts {@code spec} and streams it to {@code req}; {@code ended} runs on the module thread at the end. */
    static Proc start(ProcSpec spec, String host, Request req, ExecutorService io, ModuleContext ctx, Runnable ended)
            throws RpcException {
        Path cwd = Path.of(spec.cwd());
        if (!Files.isDirectory(cwd)) {
            throw new RpcException(Errno.ENOENT, "directory " + cwd + " does not exist on " + host + " (give another "
                    + "with --dir)");
        }
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(spec.argv());
        ProcessBuilder pb = new ProcessBuilder(argv).directory(new File(spec.cwd()));
        if (!spec.env().isEmpty()) {
            pb.environment().clear();
            pb.environment().putAll(spec.env());
        }
        pb.environment().putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        if (!spec.stdin()) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        String command = String.join(" ", spec.argv());
        if (TaskPath.resolve(spec.argv().get(0), pb.environment().get("PATH")) == null) {
            throw new RpcException(Errno.ENOENT, "cannot run " + spec.argv().get(0) + " on " + host + ": command not found"
                    + (spec.argv().get(0).contains("/") ? "" : " (searched PATH)"));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            Matcher m = ERRNO.matcher(String.valueOf(e.getMessage()));
            boolean found = m.find();
            throw new RpcException(found ? Integer.parseInt(m.group(1)) : Errno.EIO, "cannot run " + command + " on "
                    + host + ": " + (found ? m.group(2) : e.getMessage()));
        }
        Proc proc = new Proc(p, command, req, io, ctx);
        req.respondPart(Map.of("pid", p.pid()));
        CompletableFuture<Void> out = proc.pump("stdout", p.getInputStream());
        CompletableFuture<Void> err = proc.pump("stderr", p.getErrorStream());
        CompletableFuture.allOf(out, err, p.onExit()).whenComplete((x, t) -> ctx.schedule(Duration.ZERO, () -> {
            ended.run();
            req.respond(Map.of("status", p.exitValue()));
        }));
        return proc;
    }

    private CompletableFuture<Void> pump(String stream, InputStream in) {
        return CompletableFuture.runAsync(() -> {
            byte[] buf = new byte[CHUNK];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    byte[] data = Arrays.copyOf(buf, n);
                    ctx.schedule(Duration.ZERO, () -> req.respondPart(Map.of("stream", stream, "data", data)));
                }
            } catch (IOException e) {
                // the process closed its end: nothing more to read
            }
        }, io);
    }

    long pid() {
        return process.pid();
    }

    String command() {
        return command;
    }

    Map<String, Object> describe() {
        return Map.of("pid", pid(), "command", command, "userid", req.userid());
    }

    void renew() {
        lastWord = System.nanoTime();
    }

    boolean leaseExpired(long now, Duration lease) {
        return !killScheduled && now - lastWord > lease.toNanos();
    }

    /**
     * Writes to standard input off the module thread (a full pipe must not block it), in order;
     * {@code eof} closes it.
     */
    void write(byte[] data, boolean eof) {
        writes = writes.thenRunAsync(() -> {
            try {
                if (data.length > 0) {
                    stdin.write(data);
                    stdin.flush();
                }
                if (eof) {
                    stdin.close();
                }
            } catch (IOException e) {
                // the command stopped reading (or ended): what it did not read is dropped
            }
        }, io);
    }

    /** Signals the group now and, unless that was SIGKILL, SIGKILL later if it is still there. */
    void terminate(int signal) {
        signal(signal);
        if (signal != 9 && !killScheduled) {
            killScheduled = true;
            ctx.schedule(KILL_AFTER, () -> {
                if (process.isAlive()) {
                    ctx.log().warn("rexec: {} (pid {}) outlived a signal by {}: SIGKILL", command, pid(),
                            Durations.format(KILL_AFTER));
                    signal(9);
                }
            });
        }
    }

    /** Sends {@code signal} to the whole process group. */
    void signal(int signal) {
        try {
            Process kill = new ProcessBuilder(List.of("kill", "-s", Integer.toString(signal), "--", "-" + pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor();
        } catch (IOException e) {
            process.descendants().forEach(signal == 9 ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
            if (signal == 9) {
                process.destroyForcibly();
            } else {
                process.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
