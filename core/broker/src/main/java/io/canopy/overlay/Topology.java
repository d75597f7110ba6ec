package io.canopy.overlay;

import java.util.List;

/**
 * The shape of the tree as one broker sees it: who it is, its parent, its children, and which way
 * a message for any rank must go. Built from the instance configuration; the router routes by it.
 */
public interface Topology {
    /** Marker for "towards the parent" in {@link #nextHop}. */
    int PARENT = -1;

    int rank();

    int size();

    /** The parent's rank, or -1 for the leader. */
    int parent();

    /** Direct children, in rank order. */
    List<Integer> children();

    /** Host name of any rank. */
    String host(int rank);

    /**
     * Where a message for {@code dest} goes from here: {@link #rank()} itself, the child whose
     * subtree holds it, or {@link #PARENT}.
     */
    int nextHop(int dest);

    /** True when {@code rank} is {@code root} or one of its descendants. */
    boolean inSubtree(int root, int rank);

    /** Direct children of any rank (for drawing the whole tree). */
    List<Integer> childrenOf(int rank);

    /** A one-broker instance. */
    static Topology single(String hostname) {
        return new Topology() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int size() {
                return 1;
            }

            @Override
            public int parent() {
                return -1;
            }

            @Override
            public List<Integer> children() {
                return List.of();
            }

            @Override
            public String host(int rank) {
                return hostname;
            }

            @Override
            public int nextHop(int dest) {
                return dest == 0 ? 0 : PARENT;
            }

            @Override
            public boolean inSubtree(int root, int rank) {
                return root == 0 && rank == 0;
            }

            @Override
            public List<Integer> childrenOf(int rank) {
                return List.of();
            }
        };
    }
}
