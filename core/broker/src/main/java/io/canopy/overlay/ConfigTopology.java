package io.canopy.overlay;

import io.canopy.config.InstanceConfig;
import java.util.List;

/** The tree of an {@link InstanceConfig} as seen from one of its ranks. */
public final class ConfigTopology implements Topology {
    private final InstanceConfig config;
    private final int rank;

    public ConfigTopology(InstanceConfig config, int rank) {
        if (rank < 0 || rank >= config.size()) {
            throw new IllegalArgumentException("rank " + rank + " is outside an instance of size " + config.size());
        }
        this.config = config;
        this.rank = rank;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return config.size();
    }

    @Override
    public int parent() {
        return config.parentOf(rank).orElse(-1);
    }

    @Override
    public List<Integer> children() {
        return config.childrenOf(rank);
    }

    @Override
    public String host(int r) {
        return config.host(r).name();
    }

    @Override
    public int nextHop(int dest) {
        int hop = config.routeTowards(rank, dest);
        return hop == config.topology().parent(rank) ? PARENT : hop;
    }

    @Override
    public boolean inSubtree(int root, int r) {
        return config.topology().isInSubtree(r, root);
    }

    @Override
    public List<Integer> childrenOf(int r) {
        return config.childrenOf(r);
    }
}
