package io.canopy.tests.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * Sends a signal to a broker process with the real {@code kill}, as an operator (or a crash) would:
 * {@code STOP} freezes it without closing its sockets, {@code CONT} wakes it, {@code KILL} ends it
 * with no goodbye.
 */
public final class Signals {
    private Signals() {}

    /** {@code kill -SIGNAL pid}; fails the test when kill does. */
    public static void send(Process process, String signal) {
        long pid = process.pid();
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new AssertionError("kill -" + signal + " " + pid + " did not finish");
            }
            if (kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + pid + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted sending " + signal, e);
        }
    }

    /** Like {@link #send}, ignoring failure (the process may have gone): for clean-up. */
    public static void sendQuietly(Process process, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // clean-up only
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL, then waits (bounded) until the process is gone. */
    public static void kill9(Process process) {
        send(process, "KILL");
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("pid " + process.pid() + " outlived SIGKILL by 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for pid " + process.pid(), e);
        }
    }
}
