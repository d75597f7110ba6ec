package io.canopy.tools.launch;

import io.canopy.broker.BrokerState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tells systemd how the broker is doing when it runs as a {@code Type=notify} unit: {@code READY=1}
 * once the broker reaches {@code run} (so {@code systemctl start} returns when the node is really
 * up, however long it waited for its parent), {@code STOPPING=1} when it begins to shut down, and
 * the state in {@code STATUS=} on every change. Java cannot send the datagram systemd expects on
 * {@code NOTIFY_SOCKET}, so this runs {@code systemd-notify}, which needs {@code NotifyAccess=all}
 * in the unit. Without {@code NOTIFY_SOCKET} (not started by systemd) it does nothing.
 */
public final class SystemdNotifier {
    private static final Logger LOG = LogManager.getLogger(SystemdNotifier.class);

    private final String command;
    private final long mainPid;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "systemd-notify");
        t.setDaemon(true);
        return t;
    });

    SystemdNotifier(String command, long mainPid) {
        this.command = command;
        this.mainPid = mainPid;
    }

    /** The notifier for this process, or null when systemd is not listening. */
    public static SystemdNotifier fromEnvironment(Map<String, String> env) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isBlank()) {
            return null;
        }
        return new SystemdNotifier(env.getOrDefault("CANOPY_SYSTEMD_NOTIFY", "systemd-notify"), ProcessHandle.current().pid());
    }

    /** A state change: what systemd-notify gets told (arguments after the command). */
    List<String> arguments(BrokerState to) {
        List<String> args = new ArrayList<>();
        args.add("--pid=" + mainPid);
        if (to == BrokerState.RUN) {
            args.add("--ready");
        }
        args.add("--status=broker state " + to.label());
        if (to == BrokerState.CLEANUP || to == BrokerState.SHUTDOWN) {
            args.add("STOPPING=1");
        }
        return args;
    }

    /** Tells systemd about a change, without holding up the caller. */
    public void changed(BrokerState to) {
        List<String> argv = new ArrayList<>(List.of(command));
        argv.addAll(arguments(to));
        runner.execute(() -> {
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).strip();
                if (p.waitFor() != 0) {
                    LOG.warn("systemd-notify failed ({}): {}; systemd may not see the broker's state", p.exitValue(), out);
                }
            } catch (IOException e) {
                LOG.warn("cannot run {} to tell systemd the broker's state: {}", command, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
