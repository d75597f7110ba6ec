package io.canopy.broker;

import io.canopy.codec.MessageCodec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a broker needs to know at start, parsed and checked before it is built.
 *
 * @param rank          this broker's rank (0 is the leader)
 * @param size          brokers in the instance
 * @param hostname      the name this broker goes by
 * @param rundir        where the local socket ({@code rundir/local}) lives
 * @param ownerUid      the instance owner's uid: callers with it (and root) get the owner role
 * @param maxFrameSize  largest message accepted on any connection, in bytes
 * @param modules       built-in modules to load at init, by name, in order
 */
public record BrokerConfig(int rank, int size, String hostname, Path rundir, int ownerUid,
        int maxFrameSize, List<String> modules) {

    public BrokerConfig {
        Objects.requireNonNull(rundir, "rundir");
        Objects.requireNonNull(hostname, "hostname");
        modules = List.copyOf(modules);
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " is outside an instance of size " + size);
        }
    }

    /** A one-broker instance with default limits. */
    public static BrokerConfig single(String hostname, Path rundir, int ownerUid) {
        return new BrokerConfig(0, 1, hostname, rundir, ownerUid, MessageCodec.DEFAULT_MAX_FRAME, List.of());
    }

    public BrokerConfig withModules(List<String> names) {
        return new BrokerConfig(rank, size, hostname, rundir, ownerUid, maxFrameSize, names);
    }

    public BrokerConfig withMaxFrameSize(int bytes) {
        return new BrokerConfig(rank, size, hostname, rundir, ownerUid, bytes, modules);
    }

    /** The local socket's path. */
    public Path localSocket() {
        return rundir.resolve("local");
    }
}
