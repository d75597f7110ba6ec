package io.canopy.modules.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the configured epilog (an administrator's program, by absolute path) for one job on this
 * node, as the broker's user, with a fixed environment, and says how it went. Blocks: call it on a thread of its own, never on the module thread.
 */
final class Epilog {
    /** How an epilog ended: {@code status} 0 is success; {@code note} says what failed, for the drain reason. */
    record Outcome(int status, String note, String output) {
        boolean failed() {
            return status != 0;
        }
    }

    private Epilog() {}

    static Outcome run(String program, Duration timeout, Map<String, String> env, String host) {
        ProcessBuilder pb = new ProcessBuilder(List.of(Signals.tool("setsid"), program)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // a fixed environment: nothing of the broker's (NOTIFY_SOCKET above all) and nothing of the job's
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LANG", "C");
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Outcome(127, "epilog failed on " + host + ": cannot run " + program + ": " + e.getMessage(), "");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "epilog-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                Signals.group(p.pid(), 9);
                p.waitFor(5, TimeUnit.SECONDS);
                return new Outcome(124, "epilog failed on " + host + ": timed out after "
                        + io.canopy.module.Durations.format(timeout) + " and was killed", text(out));
            }
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Outcome(130, "epilog failed on " + host + ": interrupted", text(out));
        }
        int status = p.exitValue();
        return new Outcome(status, status == 0 ? null : "epilog failed on " + host + ": exit " + status, text(out));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[4096];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() < 8192) {
                    out.write(buf, 0, Math.min(n, 8192 - out.size()));
                }
            }
        } catch (IOException e) {
            // the epilog closed its output: nothing more to read
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8).strip();
        }
    }
}
