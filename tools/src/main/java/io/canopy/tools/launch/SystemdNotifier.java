package io.canopy.tools.launch;

import io.canopy.broker.BrokerState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tells systemd how the broker is doing when it runs as a {@code Type=notify} unit: {@code READY=1}
 * once the broker reaches {@code run} (so {@code systemctl start} returns when the node is really
 * up, however long it waited for its parent), {@code STOPPING=1} when it begins to shut down, and
 * the state in {@code STATUS=} on every change. Java cannot send the datagram systemd expects on
 * {@code NOTIFY_SOCKET}, so this runs {@code systemd-notify}, which needs {@code NotifyAccess=all}
 * in the unit. Without {@code NOTIFY_SOCKET} (not started by systemd) it does nothing.
 *
 * <p>{@code READY=1} is sent again {@link #REPEATS} later while the broker still runs: systemd
 * before version 254 finds the unit of a notification through its sender's process, and may drop
 * one whose short-lived {@code systemd-notify} has already exited. A lost {@code READY=1} would
 * leave {@code systemctl start} waiting for ever ({@code TimeoutStartSec=infinity}); a repeated
 * one is harmless.
 */
public final class SystemdNotifier {
    private static final Logger LOG = LogManager.getLogger(SystemdNotifier.class);

    private final String command;
    private final long mainPid;
    /** When {@code READY=1} is sent again after the first time. */
    static final List<Duration> REPEATS = List.of(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(60));

    private final List<Duration> repeats;
    private volatile BrokerState last;
    private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "systemd-notify");
        t.setDaemon(true);
        return t;
    });

    SystemdNotifier(String command, long mainPid) {
        this(command, mainPid, REPEATS);
    }

    SystemdNotifier(String command, long mainPid, List<Duration> repeats) {
        this.command = command;
        this.mainPid = mainPid;
        this.repeats = repeats;
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
        last = to;
        tell(to);
        if (to == BrokerState.RUN) {
            for (Duration d : repeats) {
                runner.schedule(() -> {
                    if (last == BrokerState.RUN) {
                        tell(BrokerState.RUN);
                    }
                }, d.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void tell(BrokerState to) {
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
