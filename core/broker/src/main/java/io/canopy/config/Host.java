package io.canopy.config;

import java.util.Objects;

/**
 * One broker of the instance as {@code bootstrap.hosts} places it: its rank (the position of its
 * name in the expanded host list), the URIs it binds for its children and that its children
 * connect to, with {@code %h} and {@code %p} already filled in, and its parent in the tree.
 *
 * @param rank    0 for the leader, then 1, 2, ... in the order the hosts are listed
 * @param name    the host name a broker matches against its own to find its rank
 * @param bind    where this broker listens for its children, e.g. {@code tcp://*:8050}
 * @param connect where its children reach it, e.g. {@code tcp://node1:8050}
 * @param parent  the rank of its parent (from its {@code parent} key, else from {@code tbon.fanout});
 *                null for rank 0
 */
public record Host(int rank, String name, String bind, String connect, Integer parent) {
    public Host {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(connect, "connect");
        if (rank < 0) {
            throw new IllegalArgumentException("rank " + rank + " is negative");
        }
        if ((rank == 0) != (parent == null)) {
            throw new IllegalArgumentException(rank == 0 ? "rank 0 cannot have a parent"
                    : "rank " + rank + " needs a parent");
        }
        if (parent != null && (parent < 0 || parent == rank)) {
            throw new IllegalArgumentException("rank " + rank + " cannot have parent " + parent);
        }
    }
}
