package io.canopy.modules.exec;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node's reboot command and health check, run by its canopy-launch (the first frames {@code B}
 * and {@code H}): root decides what they are (the launcher's {@code --reboot-command} and
 * {@code --health-check}), or, for a broker that runs the launcher itself, {@code [resource]
 * reboot_command} and {@code health_check}. The launcher runs it by absolute path with a fixed
 * environment and answers its exit status and the start of its output. Blocks: call it off the
 * module thread. A run that outlasts its timeout is ended by closing the conversation, on which the
 * launcher kills it.
 */
final class NodeAction {
    /** The reboot command. */
    static final char REBOOT = 'B';
    /** The health check. */
    static final char HEALTH = 'H';

    /**
     * How it went.
     *
     * @param configured false when the launcher has none (and none was named): nothing ran
     * @param status     its exit status (128 + N for signal N; 124 for a timeout)
     * @param output     the start of what it printed, stdout and stderr together
     */
    record Outcome(boolean configured, int status, String output) {
        static final Outcome NONE = new Outcome(false, 0, "");

        /** The first line it printed, for a drain reason. */
        String firstLine() {
            String t = output.strip();
            int nl = t.indexOf('\n');
            return nl < 0 ? t : t.substring(0, nl);
        }
    }

    private NodeAction() {}

    /**
     * Runs the action.
     *
     * @param command the command to name ({@code ""}: the launcher's own)
     * @throws RpcException with the launcher's errno and words when it refuses (EPERM: not the broker's to
     *                      choose), or EIO when it cannot be reached
     */
    static Outcome run(Launcher launcher, char what, String command, Duration timeout) throws RpcException {
        LaunchChannel ch;
        try {
            ch = launcher.open();
        } catch (IOException e) {
            throw new RpcException(Errno.EIO, e.getMessage());
        }
        CompletableFuture<Void> deadline = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (deadline.complete(null)) {
                ch.close(); // the launcher sees us go and kills what it runs
            }
        });
        try (ch) {
            ch.out().write(LaunchProtocol.frame(what, command));
            ch.out().flush();
            LaunchProtocol.Frame f = LaunchProtocol.read(new DataInputStream(ch.in()));
            if (f == null) {
                throw new IOException("the launcher closed without an answer");
            }
            if (f.type() == 'F') {
                LaunchProtocol.LaunchFailure why = LaunchProtocol.failure(f);
                if (why.errno() == Errno.ENOENT && why.getMessage().startsWith("no ") && command.isEmpty()) {
                    return Outcome.NONE;
                }
                throw new RpcException(why.errno(), why.getMessage());
            }
            return parse(f.text());
        } catch (IOException e) {
            if (!deadline.complete(null)) {
                return new Outcome(true, 124, "timed out after " + io.canopy.module.Durations.format(timeout)
                        + " and was killed");
            }
            throw new RpcException(Errno.EIO, "lost the launcher " + ch.describe() + ": " + e.getMessage());
        } finally {
            deadline.complete(null);
        }
    }

    /** {@code status N}, a new line, then the output. */
    static Outcome parse(String text) throws RpcException {
        int nl = text.indexOf('\n');
        String head = nl < 0 ? text : text.substring(0, nl);
        if (!head.startsWith("status ")) {
            throw new RpcException(Errno.EPROTO, "the launcher answered '" + head + "', not a status");
        }
        try {
            return new Outcome(true, Integer.parseInt(head.substring(7).strip()), nl < 0 ? "" : text.substring(nl + 1));
        } catch (NumberFormatException e) {
            throw new RpcException(Errno.EPROTO, "the launcher answered '" + head + "', not a status");
        }
    }
}
