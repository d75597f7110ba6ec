package io.canopy.overlay.zmq;

import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.List;

/** A k-ary tree of {@code size} ranks named {@code test<r>}, for overlay tests. */
record FanoutTopology(int rank, int size, int fanout) implements Topology {
    @Override
    public int parent() {
        return rank == 0 ? -1 : (rank - 1) / fanout;
    }

    @Override
    public List<Integer> children() {
        return childrenOf(rank);
    }

    @Override
    public String host(int r) {
        return "test" + r;
    }

    @Override
    public int nextHop(int dest) {
        if (dest == rank) {
            return rank;
        }
        for (int c : children()) {
            if (inSubtree(c, dest)) {
                return c;
            }
        }
        return PARENT;
    }

    @Override
    public boolean inSubtree(int root, int r) {
        while (r > root) {
            r = (r - 1) / fanout;
        }
        return r == root;
    }

    @Override
    public List<Integer> childrenOf(int r) {
        List<Integer> out = new ArrayList<>();
        for (int c = r * fanout + 1; c <= r * fanout + fanout && c < size; c++) {
            out.add(c);
        }
        return out;
    }
}
