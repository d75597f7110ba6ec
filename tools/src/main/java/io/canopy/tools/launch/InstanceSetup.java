package io.canopy.tools.launch;

import io.canopy.broker.BrokerConfig;
import io.canopy.codec.MessageCodec;
import io.canopy.config.ConfigException;
import io.canopy.config.Host;
import io.canopy.config.InstanceConfig;
import io.canopy.local.PeerCredentials;
import io.canopy.overlay.ConfigTopology;
import io.canopy.overlay.Topology;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.overlay.zmq.OverlaySettings;
import io.canopy.overlay.zmq.ZmqOverlay;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns the system configuration and this host's name into what one broker of the instance needs:
 * its {@link BrokerConfig} and its ZeroMQ overlay.
 *
 * @param broker  the broker's configuration
 * @param overlay the overlay (never null here: a configured instance always has one)
 */
public record InstanceSetup(BrokerConfig broker, ZmqOverlay overlay) {

    /**
     * @param config   the parsed system.toml
     * @param hostname this broker's host name (finds its rank)
     * @param rundir   where the local socket goes ({@code null}: {@code [broker] rundir})
     * @throws ConfigException when the host is not listed
     * @throws IOException     when the certificate cannot be read
     */
    public static InstanceSetup of(InstanceConfig config, String hostname, Path rundir, List<String> modules,
            int maxFrameSize) throws ConfigException, IOException {
        return of(config, config.rankOf(hostname), rundir, modules, maxFrameSize, java.util.Map.of());
    }

    /**
     * Broker {@code rank} of the instance, whatever host this is (a JVM that hosts several brokers).
     *
     * @param extraArgs module arguments added to the configuration's ({@code job-exec}'s
     *                  {@code boot_id_file}, for a test instance)
     * @throws IOException when the certificate cannot be read
     */
    public static InstanceSetup of(InstanceConfig config, int rank, Path rundir, List<String> modules,
            int maxFrameSize, java.util.Map<String, java.util.Map<String, String>> extraArgs) throws IOException {
        return of(Shared.of(config), rank, rundir, modules, maxFrameSize, extraArgs);
    }

    /** Broker {@code rank}, with what every broker of the configuration shares worked out already. */
    public static InstanceSetup of(Shared shared, int rank, Path rundir, List<String> modules,
            int maxFrameSize, java.util.Map<String, java.util.Map<String, String>> extraArgs) {
        InstanceConfig config = shared.config();
        Topology topology = new ConfigTopology(config, rank);
        Path run = rundir != null ? rundir : config.broker().rundir();
        java.util.Map<String, java.util.Map<String, String>> moduleArgs = new java.util.HashMap<>(shared.moduleArgs());
        extraArgs.forEach((module, args) -> {
            java.util.Map<String, String> merged = new java.util.LinkedHashMap<>(moduleArgs.getOrDefault(module, java.util.Map.of()));
            merged.putAll(args);
            moduleArgs.put(module, java.util.Map.copyOf(merged));
        });
        BrokerConfig broker = new BrokerConfig(topology, run.toAbsolutePath(), PeerCredentials.currentUid(),
                maxFrameSize, modules, config.broker().quorum(), moduleArgs);
        Host me = config.host(rank);
        String parentUri = topology.parent() < 0 ? null : config.host(topology.parent()).connect();
        OverlaySettings settings = new OverlaySettings(topology, topology.children().isEmpty() ? null : me.bind(),
                parentUri, config.tbon().keepalivePeriod(), config.tbon().torpidTimeout(), config.tbon().lostTimeout(),
                shared.cert(), shared.instanceId());
        return new InstanceSetup(broker, new ZmqOverlay(settings, maxFrameSize));
    }

    /**
     * What every broker of one configuration shares, worked out once: a JVM of 128 packed brokers
     * of a 1,024-host instance hashed the host list and read the certificate once a broker (with
     * the config's tables, which {@code BrokerCommand} now also makes once, 30 % of the JFR samples
     * of the thread that starts them).
     *
     * @param instanceId the digest of the host list that a parent checks in each child's hello
     * @param cert       the instance's CURVE certificate, or null for plain TCP
     * @param moduleArgs the built-in modules' arguments from the configuration
     */
    public record Shared(InstanceConfig config, String instanceId, CurveCertificate cert,
            java.util.Map<String, java.util.Map<String, String>> moduleArgs) {

        /** @throws IOException when the certificate cannot be read */
        public static Shared of(InstanceConfig config) throws IOException {
            CurveCertificate cert = config.bootstrap().curveCert().isEmpty() ? null
                    : CurveCertificate.load(config.bootstrap().curveCert().get());
            return new Shared(config, InstanceSetup.instanceId(config), cert, InstanceSetup.moduleArgs(config));
        }
    }

    /** The built-in modules' {@code key=value} arguments from the configuration's tables. */
    public static java.util.Map<String, java.util.Map<String, String>> moduleArgs(InstanceConfig config) {
        java.util.Map<String, String> jobExec = new java.util.LinkedHashMap<>(config.jobExec().moduleArgs());
        jobExec.putAll(config.resource().nodeArgs()); // the node runs the reboot command and the health check
        return java.util.Map.of(
                "resource", config.resource().moduleArgs(),
                "job-exec", jobExec,
                // with a privileged launcher, brokers that are not root still run every user's jobs
                "job-manager", java.util.Map.of("other_users",
                        Boolean.toString(config.jobExec().launcherSocket().isPresent()),
                        "inactive_limit", Integer.toString(config.jobManager().inactiveLimit())));
    }

    /** A digest of the hosts and their URIs: brokers of differently configured instances refuse each other. */
    static String instanceId(InstanceConfig config) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Host h : config.hosts()) {
                md.update((h.rank() + " " + h.name() + " " + h.connect() + " " + h.parent() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static int defaultMaxFrame() {
        return MessageCodec.DEFAULT_MAX_FRAME;
    }
}
