package io.canopy.tools.cli;

import io.canopy.broker.Broker;
import io.canopy.broker.BrokerConfig;
import io.canopy.broker.ConfigSource;
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
import io.canopy.tools.launch.BrokerHost;
import io.canopy.tools.launch.BrokerLog;
import io.canopy.tools.launch.SystemdNotifier;
import io.canopy.idset.IdSet;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code canopy broker}: runs one broker in the foreground until SIGTERM (or SIGINT) or
 * {@code broker.shutdown}, then shuts it down in order and exits 0, so that {@code systemctl stop}
 * leaves the unit inactive, not failed. This is what the systemd unit and {@code canopy start} run.
 * With {@code --ranks=IDSET} it runs those ranks of the configured instance in this one JVM, each
 * with its own socket, overlay, modules, log file and {@code dmesg} ring (how {@code canopy start
 * --brokers-per-process} packs many brokers on one machine); the JVM exits when the last has exited.
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
    String rundir;

    @Option(names = "--statedir",
            description = "Directory for the leader's durable state (default: [broker] statedir; a broker "
                    + "without --config keeps state in memory unless this is given).")
    String statedir;

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

    @Option(names = "--ranks", paramLabel = "IDSET",
            description = "Run these ranks of the --config instance in this JVM (e.g. 0-63); --rundir, "
                    + "--statedir and --log-file may hold {rank}, replaced by each broker's rank.")
    String ranks;

    @Option(names = "--log-file", paramLabel = "FILE", hidden = true,
            description = "With --ranks: each broker's lines also go to this file ({rank} replaced).")
    String logFile;

    @Option(names = "--boot-id-file", paramLabel = "FILE", hidden = true,
            description = "Read the boot id from this file, not the kernel's (a test instance; {rank} replaced).")
    String bootIdFile;

    @Option(names = "--shutdown-timeout", defaultValue = "60s",
            description = "How long SIGTERM waits for an orderly shutdown (default: ${DEFAULT-VALUE}).")
    String shutdownTimeout;

    @Override
    public Integer call() throws Exception {
        Duration stopWait = io.canopy.module.Durations.parse("--shutdown-timeout", shutdownTimeout);
        if (noModules) {
            modules = List.of();
        } else if (modules == null) {
            modules = STANDARD_MODULES;
        }
        BrokerHost host = new BrokerHost(stopWait);
        host.handleSignals();
        Integer failed = ranks != null ? startRanks(host) : startOne(host);
        if (failed != null) {
            host.shutdownAll("a broker could not start");
            host.awaitAll();
            return failed;
        }
        return host.awaitAll();
    }

    /** The one broker of this host (its rank found by host name): today's {@code canopy broker}. */
    private Integer startOne(BrokerHost host) throws Exception {
        String name = hostname != null ? hostname : InetAddress.getLocalHost().getHostName();
        RingAppender ring = RingAppender.install(RingAppender.DEFAULT_CAPACITY);
        Broker broker;
        io.canopy.config.Metrics metrics = io.canopy.config.Metrics.off();
        if (config != null) {
            InstanceConfig instance;
            InstanceSetup setup;
            try {
                instance = InstanceConfig.load(config);
                setup = InstanceSetup.of(instance, instance.rankOf(name), path(rundir, -1), modules, maxFrameSize,
                        bootIdArgs(-1));
            } catch (ConfigException | IOException e) {
                return configError(e);
            }
            warnIfPlain(instance);
            broker = configured(instance, setup, path(statedir, -1), ring, FileConfigSource.loaded(instance));
            metrics = instance.metrics();
        } else {
            Path run = rundir != null ? Path.of(rundir) : Path.of("/run/canopy");
            BrokerConfig single = BrokerConfig.single(name, run.toAbsolutePath(), PeerCredentials.currentUid())
                    .withModules(modules).withMaxFrameSize(maxFrameSize);
            broker = statedir != null
                    ? new Broker(single, ring, LeaderKeeper.open(Path.of(statedir)), null)
                    : new Broker(single, ring);
        }
        BrokerConfig bc = broker.config();
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment(System.getenv());
        if (systemd != null) {
            broker.onStateChange((from, to) -> systemd.changed(to));
        }
        LOG.info("canopy broker {} starting: rank {} of {} on {}, pid {}", BuildVersion.version(), bc.rank(), bc.size(),
                name, ProcessHandle.current().pid());
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
        host.add(broker, exporter);
        return null;
    }

    /**
     * Every rank of {@code --ranks}, each started on this thread under its own log context. A rank
     * that cannot start (its port is taken) is logged and left out; the others run on.
     */
    private Integer startRanks(BrokerHost host) throws Exception {
        if (config == null || hostname != null) {
            throw new IllegalArgumentException("--ranks needs --config and takes no --hostname (the ranks say "
                    + "which brokers of the instance run here)");
        }
        IdSet set = IdSet.parse(ranks);
        if (set.size() > 1 && (rundir == null || !rundir.contains(RANK))) {
            throw new IllegalArgumentException("--ranks=" + ranks + ": give --rundir with " + RANK
                    + " in it (each broker needs a socket of its own)");
        }
        InstanceConfig instance;
        try {
            instance = InstanceConfig.load(config);
            if (set.last() >= instance.size()) {
                throw new ConfigException(config, "bootstrap.hosts", "--ranks=" + ranks + " but the instance has "
                        + instance.size() + " brokers", "give ranks below " + instance.size());
            }
        } catch (ConfigException e) {
            return configError(e);
        }
        warnIfPlain(instance);
        if (instance.metrics().port() > 0) {
            LOG.warn("[metrics] port is ignored with --ranks: the brokers of one JVM would share it");
        }
        InstanceSetup.Shared shared;
        try {
            shared = InstanceSetup.Shared.of(instance);
        } catch (IOException e) {
            return configError(e);
        }
        ConfigSource.Loaded loaded = FileConfigSource.loaded(instance); // read only: a reload replaces it
        LOG.info("canopy broker {} starting ranks {} of {}, pid {}", BuildVersion.version(), set, instance.size(),
                ProcessHandle.current().pid());
        int started = 0;
        for (int rank : set.toList()) {
            BrokerLog log = BrokerLog.enter(rank, RingAppender.DEFAULT_CAPACITY,
                    logFile == null ? null : path(logFile, rank));
            try {
                InstanceSetup setup = InstanceSetup.of(shared, rank, path(rundir, rank), modules, maxFrameSize,
                        bootIdArgs(rank));
                Broker broker = configured(instance, setup, path(statedir, rank), log.ring(), loaded);
                LOG.info("broker rank {} of {} starting in pid {}", rank, instance.size(), ProcessHandle.current().pid());
                broker.start();
                host.add(broker, log);
                started++;
            } catch (IOException e) {
                LOG.error("rank {} cannot start: {}; the other ranks of this JVM run on", rank, e.getMessage());
                log.close();
            } finally {
                BrokerLog.leave();
            }
        }
        return started > 0 ? null : 1;
    }

    private Broker configured(InstanceConfig instance, InstanceSetup setup, Path state, RingAppender ring,
            ConfigSource.Loaded loaded) throws IOException {
        StateKeeper keeper = setup.broker().rank() == 0
                ? LeaderKeeper.open(state != null ? state : instance.broker().statedir())
                : new MemoryStateKeeper(new CheckpointFormat());
        Broker broker = new Broker(setup.broker(), ring, keeper, setup.overlay());
        broker.useConfig(new FileConfigSource(config), loaded);
        return broker;
    }

    private int configError(Exception e) {
        LOG.error("{}; not starting (fix it and start the broker again: systemd does not restart it for this)",
                e.getMessage());
        return EXIT_CONFIG;
    }

    private void warnIfPlain(InstanceConfig instance) {
        if (instance.bootstrap().curveCert().isEmpty() && instance.size() > 1) {
            LOG.warn("{}: no bootstrap.curve_cert: the tree runs over plain TCP, unencrypted, and any host that "
                    + "can reach a broker's port can join as a broker of this instance (make one with `canopy "
                    + "keygen`, copy it to every node, and set curve_cert)", config);
        }
    }

    /** job-exec's {@code boot_id_file} for {@code rank}, when {@code --boot-id-file} is given. */
    private Map<String, Map<String, String>> bootIdArgs(int rank) {
        return bootIdFile == null ? Map.of()
                : Map.of("job-exec", Map.of("boot_id_file", path(bootIdFile, rank).toString()));
    }

    /** {@code template} with {@code {rank}} replaced (null stays null). */
    static Path path(String template, int rank) {
        if (template == null) {
            return null;
        }
        return Path.of(rank < 0 ? template : template.replace(RANK, Integer.toString(rank)));
    }

    /** Stands for each broker's rank in {@code --rundir}, {@code --statedir} and {@code --log-file}. */
    static final String RANK = "{rank}";
}
