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
 * Tells systemd how the broker is doing when it runs as a {@code Type=notify} unit:
 * {@code READY=1} as soon as the broker has started (its local socket open, in {@code join}), as
 * flux-core does (flux-core #5151): a compute node's broker waits in join until its parent is up,
 * and {@code systemctl start} (or {@code pdsh systemctl start canopy} across a cluster) must not
 * hang on that. Whoever needs the node in {@code run} waits for that itself
 * ({@code canopy uptime --wait run}). {@code STOPPING=1} when it begins to shut down, and the state
 * in {@code STATUS=} on every change. Java cannot send the datagram systemd expects on
 * {@code NOTIFY_SOCKET}, so this runs {@code systemd-notify}, which needs {@code NotifyAccess=all}
 * in the unit. Without {@code NOTIFY_SOCKET} (not started by systemd) it does nothing.
 *
 * <p>{@code READY=1} is sent again {@link #REPEATS} later until the broker begins to stop:
 * systemd before version 254 finds the unit of a notification through its sender's process, and
 * may drop one whose short-lived {@code systemd-notify} has already exited. A lost
 * {@code READY=1} would leave {@code systemctl start} waiting for its start timeout; a repeated
 * one is harmless.
 */
public final class SystemdNotifier {
    private static final Logger LOG = LogManager.getLogger(SystemdNotifier.class);

    private final String command;
    private final long mainPid;
    /** When {@code READY=1} is sent again after the first time. */
    static final List<Duration> REPEATS = List.of(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(60));

    private final List<Duration> repeats;
    private volatile BrokerState last = BrokerState.JOIN;
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

    /** What systemd-notify gets told (arguments after the command) in state {@code to}; {@code ready} adds READY=1. */
    List<String> arguments(BrokerState to, boolean ready) {
        List<String> args = new ArrayList<>();
        args.add("--pid=" + mainPid);
        if (ready) {
            args.add("--ready");
        }
        args.add("--status=broker state " + to.label());
        if (to == BrokerState.CLEANUP || to == BrokerState.SHUTDOWN) {
            args.add("STOPPING=1");
        }
        return args;
    }

    /** The broker has started (in {@code state}, normally join): READY=1, repeated until it stops. */
    public void started(BrokerState state) {
        last = state;
        tell(state, true);
        for (Duration d : repeats) {
            runner.schedule(() -> {
                BrokerState now = last;
                if (now.ordinal() < BrokerState.CLEANUP.ordinal()) {
                    tell(now, true);
                }
            }, d.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Tells systemd about a change, without holding up the caller. */
    public void changed(BrokerState to) {
        last = to;
        tell(to, false);
    }

    private void tell(BrokerState to, boolean ready) {
        List<String> argv = new ArrayList<>(List.of(command));
        argv.addAll(arguments(to, ready));
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
