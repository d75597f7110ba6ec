package io.canopy.config;

import io.canopy.idset.IdSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The instance configuration ({@code /etc/canopy/system.toml}, or {@code --config}): every host
 * with its rank and URIs, the tree they form, and each table's settings, parsed once and checked
 * before anything starts. Every broker of an instance reads the same file and finds its own rank by
 * its host name. Keys follow flux-core's where Flux has one; see {@code docs/config.md}.
 *
 * @param source    the file it came from, named in errors
 * @param hosts     every broker, in rank order
 * @param bootstrap the rest of {@code [bootstrap]}
 * @param tbon      {@code [tbon]}
 * @param broker    {@code [broker]}
 * @param resource  {@code [resource]}
 * @param jobExec   {@code [job-exec]}
 * @param metrics   {@code [metrics]}
 * @param jobManager {@code [job-manager]}
 * @param topology  the tree of {@code hosts}, precomputed for routing
 */
public record InstanceConfig(Path source, List<Host> hosts, Bootstrap bootstrap, Tbon tbon, BrokerSection broker,
        Resource resource, JobExec jobExec, Metrics metrics, JobManager jobManager, Topology topology) {

    public InstanceConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(tbon, "tbon");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(jobExec, "jobExec");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(jobManager, "jobManager");
        Objects.requireNonNull(topology, "topology");
        hosts = List.copyOf(hosts);
        if (!topology.describes(hosts)) {
            throw new IllegalArgumentException("topology does not match the hosts");
        }
        if (broker.quorum() > hosts.size()) {
            throw new IllegalArgumentException("quorum " + broker.quorum() + " exceeds " + hosts.size() + " hosts");
        }
    }

    /** The configuration of {@code hosts}, with the tree their parents form. */
    public InstanceConfig(Path source, List<Host> hosts, Bootstrap bootstrap, Tbon tbon, BrokerSection broker,
            Resource resource, JobExec jobExec, Metrics metrics, JobManager jobManager) {
        this(source, hosts, bootstrap, tbon, broker, resource, jobExec, metrics, jobManager, Topology.of(hosts));
    }

    /** The configuration of {@code hosts}, with the tree their parents form and job-manager's defaults. */
    public InstanceConfig(Path source, List<Host> hosts, Bootstrap bootstrap, Tbon tbon, BrokerSection broker,
            Resource resource, JobExec jobExec, Metrics metrics) {
        this(source, hosts, bootstrap, tbon, broker, resource, jobExec, metrics, JobManager.defaults());
    }

    /** The configuration of {@code hosts} without metrics. */
    public InstanceConfig(Path source, List<Host> hosts, Bootstrap bootstrap, Tbon tbon, BrokerSection broker,
            Resource resource, JobExec jobExec) {
        this(source, hosts, bootstrap, tbon, broker, resource, jobExec, Metrics.off());
    }

    /** Reads and checks {@code file}. */
    public static InstanceConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read the file: " + e, "check the path given with --config "
                    + "and that the broker's user may read it", e);
        }
        return parse(text, file);
    }

    /** Parses TOML {@code text}; {@code nameForErrors} is the file name errors carry. */
    public static InstanceConfig parse(String text, Path nameForErrors) throws ConfigException {
        return InstanceConfigReader.read(Objects.requireNonNull(text, "text"),
                Objects.requireNonNull(nameForErrors, "nameForErrors"));
    }

    /** Brokers in the instance. */
    public int size() {
        return hosts.size();
    }

    /**
     * The rank whose host is {@code hostname}.
     *
     * @throws ConfigException naming the host and the file if the host is not listed
     */
    public int rankOf(String hostname) throws ConfigException {
        int rank = topology.rankOf(hostname);
        if (rank < 0) {
            throw new ConfigException(source, "bootstrap.hosts", "host " + hostname + " is not in bootstrap.hosts",
                    "use --hostname to pick a listed host, or add " + hostname + " to bootstrap.hosts");
        }
        return rank;
    }

    /** @throws IndexOutOfBoundsException if {@code rank} is not in the instance */
    public Host host(int rank) {
        Objects.checkIndex(rank, hosts.size());
        return hosts.get(rank);
    }

    /** The parent's rank; empty for rank 0. */
    public OptionalInt parentOf(int rank) {
        int p = topology.parent(rank);
        return p < 0 ? OptionalInt.empty() : OptionalInt.of(p);
    }

    /** The children's ranks, in rank order. */
    public List<Integer> childrenOf(int rank) {
        return topology.children(rank);
    }

    /** {@code rank} and all its descendants. */
    public IdSet subtreeOf(int rank) {
        return topology.subtree(rank);
    }

    /** Hops from rank 0. */
    public int depthOf(int rank) {
        return topology.depth(rank);
    }

    /** The neighbour a message from {@code fromRank} to {@code toRank} goes to next; see {@link Topology}. */
    public int routeTowards(int fromRank, int toRank) {
        return topology.routeTowards(fromRank, toRank);
    }

    /**
     * TOML for a test instance of {@code size} brokers on loopback: rank r is host
     * {@code <hostPrefix><r>}, binding and connecting {@code tcp://127.0.0.1:<ports[r]>}, in a k-ary
     * tree of {@code fanout}. Brokers started with {@code --hostname <hostPrefix><r>} find their ranks.
     */
    public static String testToml(int size, int fanout, List<Integer> ports, String hostPrefix) {
        if (size < 1 || fanout < 1 || ports.size() != size) {
            throw new IllegalArgumentException("need size >= 1, fanout >= 1 and one port per broker; got size "
                    + size + ", fanout " + fanout + ", " + ports.size() + " ports");
        }
        if (!hostPrefix.matches("[A-Za-z][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("host prefix \"" + hostPrefix + "\" must start with a letter and "
                    + "hold only letters, digits, '.', '_' and '-'");
        }
        if (ports.stream().anyMatch(p -> p == null || p < 1 || p > 65535)) {
            throw new IllegalArgumentException("ports must be from 1 to 65535: " + ports);
        }
        StringBuilder sb = new StringBuilder("# A test instance of ").append(size).append(" brokers on loopback\n")
                .append("[bootstrap]\nhosts = [\n");
        for (int r = 0; r < size; r++) {
            String uri = "tcp://127.0.0.1:" + ports.get(r);
            sb.append("  { host = \"").append(hostPrefix).append(r).append("\", bind = \"").append(uri)
                    .append("\", connect = \"").append(uri).append("\" },\n");
        }
        return sb.append("]\n\n[tbon]\nfanout = ").append(fanout).append('\n').toString();
    }
}
