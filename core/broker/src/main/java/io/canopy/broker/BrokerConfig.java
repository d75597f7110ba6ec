package io.canopy.broker;

import io.canopy.codec.MessageCodec;
import io.canopy.overlay.Topology;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a broker needs to know at start, parsed and checked before it is built.
 *
 * @param topology      where this broker sits in the tree (rank, parent, children, hosts)
 * @param rundir        where the local socket ({@code rundir/local}) lives
 * @param ownerUid      the instance owner's uid: callers with it (and root) get the owner role
 * @param maxFrameSize  largest message accepted on any connection, in bytes
 * @param modules       built-in modules to load at init, by name, in order
 * @param quorum        brokers (the leader included) that must be online before the leader runs
 * @param moduleArgs    configuration for the built-in modules, by module name (from system.toml)
 */
public record BrokerConfig(Topology topology, Path rundir, int ownerUid, int maxFrameSize,
        List<String> modules, int quorum, java.util.Map<String, java.util.Map<String, String>> moduleArgs) {

    public BrokerConfig {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(rundir, "rundir");
        modules = List.copyOf(modules);
        moduleArgs = java.util.Map.copyOf(moduleArgs);
        if (quorum < 1 || quorum > topology.size()) {
            throw new IllegalArgumentException("quorum " + quorum + " is outside 1.." + topology.size());
        }
    }

    /** A one-broker instance with default limits. */
    public static BrokerConfig single(String hostname, Path rundir, int ownerUid) {
        return new BrokerConfig(Topology.single(hostname), rundir, ownerUid, MessageCodec.DEFAULT_MAX_FRAME,
                List.of(), 1, java.util.Map.of());
    }

    public BrokerConfig withModules(List<String> names) {
        return new BrokerConfig(topology, rundir, ownerUid, maxFrameSize, names, quorum, moduleArgs);
    }

    public BrokerConfig withMaxFrameSize(int bytes) {
        return new BrokerConfig(topology, rundir, ownerUid, bytes, modules, quorum, moduleArgs);
    }

    public BrokerConfig withTopology(Topology t, int newQuorum) {
        return new BrokerConfig(t, rundir, ownerUid, maxFrameSize, modules, newQuorum, moduleArgs);
    }

    public int rank() {
        return topology.rank();
    }

    public int size() {
        return topology.size();
    }

    public String hostname() {
        return topology.host(topology.rank());
    }

    /** The local socket's path. */
    public Path localSocket() {
        return rundir.resolve("local");
    }
}
