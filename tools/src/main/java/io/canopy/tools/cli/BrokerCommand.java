package io.canopy.tools.cli;

import io.canopy.broker.Broker;
import io.canopy.broker.BrokerConfig;
import io.canopy.codec.MessageCodec;
import io.canopy.broker.StateKeeper;
import io.canopy.config.InstanceConfig;
import io.canopy.statestore.FollowerKeeper;
import io.canopy.statestore.LeaderKeeper;
import io.canopy.tools.launch.InstanceSetup;
import io.canopy.local.PeerCredentials;
import io.canopy.tools.launch.RingAppender;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code canopy broker}: runs one broker in the foreground until SIGTERM or {@code broker.shutdown},
 * then shuts it down in order and exits 0. This is what the systemd unit and {@code canopy start}
 * run.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a broker in the foreground (what systemd and `canopy start` run). "
                + "SIGTERM shuts it down in order.")
public final class BrokerCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(BrokerCommand.class);

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
    public static final List<String> STANDARD_MODULES = List.of("resource", "sched", "job-manager", "job-exec");

    @Option(names = "--module", paramLabel = "NAME",
            description = "A built-in module to load at start (repeatable; default: the standard set, "
                    + "resource, sched, job-manager, job-exec).")
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
        if (config != null) {
            InstanceConfig instance = InstanceConfig.load(config);
            InstanceSetup setup = InstanceSetup.of(instance, host, rundir, modules, maxFrameSize);
            StateKeeper keeper = setup.broker().rank() == 0
                    ? LeaderKeeper.open(statedir != null ? statedir : instance.broker().statedir())
                    : new FollowerKeeper();
            broker = new Broker(setup.broker(), ring, keeper, setup.overlay());
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
        Thread onSignal = new Thread(() -> {
            broker.shutdown("signal");
            try {
                if (!broker.awaitExit(stopWait)) {
                    LOG.error("orderly shutdown took longer than {}; exiting anyway", shutdownTimeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LogManager.shutdown();
        }, "shutdown-signal");
        Runtime.getRuntime().addShutdownHook(onSignal);
        LOG.info("canopy broker starting: rank {} of {} on {}, pid {}", bc.rank(), bc.size(), host,
                ProcessHandle.current().pid());
        broker.start();
        while (!broker.awaitExit(Duration.ofHours(1))) {
            // keep waiting: a broker runs until told to stop
        }
        LOG.info("broker exited");
        return 0;
    }
}
