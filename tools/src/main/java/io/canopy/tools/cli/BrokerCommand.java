package io.canopy.tools.cli;

import io.canopy.broker.Broker;
import io.canopy.broker.BrokerConfig;
import io.canopy.broker.BuildVersion;
import io.canopy.config.ConfigException;
import io.canopy.codec.MessageCodec;
import io.canopy.broker.MemoryStateKeeper;
import io.canopy.broker.StateKeeper;
import io.canopy.config.InstanceConfig;
import io.canopy.statestore.CheckpointFormat;
import io.canopy.statestore.LeaderKeeper;
import io.canopy.tools.launch.FileConfigSource;
import io.canopy.tools.launch.MetricsExporter;
import io.canopy.tools.launch.InstanceSetup;
import io.canopy.local.PeerCredentials;
import io.canopy.tools.launch.RingAppender;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code canopy broker}: runs one broker in the foreground until SIGTERM (or SIGINT) or
 * {@code broker.shutdown}, then shuts it down in order and exits 0, so that {@code systemctl stop}
 * leaves the unit inactive, not failed. This is what the systemd unit and {@code canopy start} run.
 *
 * <p>Exit statuses: 0 after an orderly shutdown; {@link #EXIT_CONFIG} (78, sysexits' EX_CONFIG)
 * when the configuration or the certificate cannot be used, which the unit does not restart on
 * ({@code RestartPreventExitStatus=78}: restarting cannot fix a file, and the error would scroll
 * out of the journal every 5 s); 1 for anything else (a port in use, a failed module), which it
 * restarts.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a broker in the foreground (what systemd and `canopy start` run). "
                + "SIGTERM shuts it down in order.")
public final class BrokerCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(BrokerCommand.class);
    /** The configuration or the certificate cannot be used: systemd must not restart the broker. */
    public static final int EXIT_CONFIG = 78;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The instance's system.toml; without it the broker is an instance of one.")
    Path config;

    @Option(names = "--rundir",
            description = "Directory for the local socket (default: [broker] rundir, else /run/canopy).")
    Path rundir;

    @Option(names = "--statedir",
            description = "Directory for the leader's durable state (default: [broker] statedir; a broker "
                    + "without --config keeps state in memory unless this is given).")
    Path statedir;

    @Option(names = "--hostname", description = "The name this broker goes by (default: the host's name).")
    String hostname;

    /** The service modules every broker loads unless told otherwise. */
    public static final List<String> STANDARD_MODULES = List.of("resource", "sched", "job-manager", "job-exec", "rexec");

    @Option(names = "--module", paramLabel = "NAME",
            description = "A built-in module to load at start (repeatable; default: the standard set, "
                    + "resource, sched, job-manager, job-exec, rexec).")
    List<String> modules;

    @Option(names = "--no-modules", description = "Load no modules at start (a bare broker).")
    boolean noModules;

    @Option(names = "--max-frame-size", paramLabel = "BYTES", defaultValue = "" + MessageCodec.DEFAULT_MAX_FRAME,
            description = "Largest message accepted from any connection (default: ${DEFAULT-VALUE}).")
    int maxFrameSize;

    @Option(names = "--shutdown-timeout", defaultValue = "60s",
            description = "How long SIGTERM waits for an orderly shutdown (default: ${DEFAULT-VALUE}).")
    String shutdownTimeout;

    @Override
    public Integer call() throws Exception {
        Duration stopWait = io.canopy.module.Durations.parse("--shutdown-timeout", shutdownTimeout);
        String host = hostname != null ? hostname : InetAddress.getLocalHost().getHostName();
        if (noModules) {
            modules = List.of();
        } else if (modules == null) {
            modules = STANDARD_MODULES;
        }
        RingAppender ring = RingAppender.install(RingAppender.DEFAULT_CAPACITY);
        Broker broker;
        io.canopy.config.Metrics metrics = io.canopy.config.Metrics.off();
        if (config != null) {
            InstanceConfig instance;
            InstanceSetup setup;
            try {
                instance = InstanceConfig.load(config);
                setup = InstanceSetup.of(instance, host, rundir, modules, maxFrameSize);
            } catch (ConfigException | IOException e) {
                LOG.error("{}; not starting (fix it and start the broker again: systemd does not restart it for this)",
                        e.getMessage());
                return EXIT_CONFIG;
            }
            if (instance.bootstrap().curveCert().isEmpty() && instance.size() > 1) {
                LOG.warn("{}: no bootstrap.curve_cert: the tree runs over plain TCP, unencrypted, and any host that "
                        + "can reach a broker's port can join as a broker of this instance (make one with `canopy "
                        + "keygen`, copy it to every node, and set curve_cert)", config);
            }
            StateKeeper keeper = setup.broker().rank() == 0
                    ? LeaderKeeper.open(statedir != null ? statedir : instance.broker().statedir())
                    : new MemoryStateKeeper(new CheckpointFormat());
            broker = new Broker(setup.broker(), ring, keeper, setup.overlay());
            broker.useConfig(new FileConfigSource(config), FileConfigSource.loaded(instance));
            metrics = instance.metrics();
        } else {
            Path run = rundir != null ? rundir : Path.of("/run/canopy");
            BrokerConfig single = BrokerConfig.single(host, run.toAbsolutePath(), PeerCredentials.currentUid())
                    .withModules(modules).withMaxFrameSize(maxFrameSize);
            broker = statedir != null
                    ? new Broker(single, ring, LeaderKeeper.open(statedir), null)
                    : new Broker(single, ring);
        }
        BrokerConfig bc = broker.config();
        io.canopy.tools.launch.SystemdNotifier systemd = io.canopy.tools.launch.SystemdNotifier.fromEnvironment(System.getenv());
        if (systemd != null) {
            broker.onStateChange((from, to) -> systemd.changed(to));
        }
        // SIGTERM and SIGINT start an orderly shutdown here instead of the JVM's own exit (status
        // 143 or 130, which systemd counts as a failure).
        long[] signalledAt = {0};
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), sig -> {
                LOG.info("SIG{}: shutting down in order", sig.getName());
                synchronized (signalledAt) {
                    if (signalledAt[0] == 0) {
                        signalledAt[0] = System.nanoTime();
                    }
                }
                broker.shutdown("signal");
            });
        }
        Thread onExit = new Thread(() -> {
            // only when the JVM exits by another way (System.exit elsewhere, SIGHUP)
            broker.shutdown("JVM exit");
            try {
                broker.awaitExit(stopWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LogManager.shutdown();
        }, "shutdown-hook");
        Runtime.getRuntime().addShutdownHook(onExit);
        LOG.info("canopy broker {} starting: rank {} of {} on {}, pid {}", BuildVersion.version(), bc.rank(), bc.size(),
                host, ProcessHandle.current().pid());
        broker.start();
        if (systemd != null) {
            systemd.started(broker.state());
        }
        MetricsExporter exporter = null;
        if (metrics.port() > 0) {
            try {
                exporter = MetricsExporter.start(metrics.host(), metrics.port(), bc.localSocket());
            } catch (IOException e) {
                LOG.error("metrics: {}; the broker runs on without them", e.getMessage());
            }
        }
        while (!broker.awaitExit(Duration.ofMillis(500))) {
            long since;
            synchronized (signalledAt) {
                since = signalledAt[0];
            }
            if (since != 0 && System.nanoTime() - since > stopWait.toNanos()) {
                LOG.error("orderly shutdown took longer than {}; exiting anyway", shutdownTimeout);
                return 1;
            }
        }
        if (exporter != null) {
            exporter.close();
        }
        LOG.info("broker exited");
        return 0;
    }
}
