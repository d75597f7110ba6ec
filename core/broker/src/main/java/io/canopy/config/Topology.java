package io.canopy.config;

import io.canopy.idset.IdSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree the brokers form, precomputed so the questions routing asks on every message are cheap
 * at 10,000 ranks: a host's rank by name, a rank's parent, children, depth and subtree, and which
 * neighbour leads towards another rank.
 *
 * <p>Ranks are numbered by a depth-first walk from rank 0 (children in rank order), so each
 * subtree is one interval of that walk: "is r below s" is two comparisons, and the child leading
 * towards r is a binary search among s's children.
 */
public final class Topology {
    private final String[] names;
    private final Map<String, Integer> rankByName;
    private final int[] parent;
    private final int[][] children;
    private final List<List<Integer>> childLists;
    private final int[] depth;
    private final int[] order;
    private final int[] enter;
    private final int[] exit;

    private Topology(List<Host> hosts) {
        int n = hosts.size();
        if (n == 0) {
            throw new IllegalArgumentException("an instance needs at least one host");
        }
        names = new String[n];
        rankByName = new HashMap<>(n * 2);
        parent = new int[n];
        for (int r = 0; r < n; r++) {
            Host h = hosts.get(r);
            if (h.rank() != r) {
                throw new IllegalArgumentException("host " + h.name() + " has rank " + h.rank() + " at position " + r);
            }
            if (rankByName.putIfAbsent(h.name(), r) != null) {
                throw new IllegalArgumentException("host " + h.name() + " is listed twice");
            }
            names[r] = h.name();
            parent[r] = h.parent() == null ? -1 : h.parent();
            if (parent[r] >= n) {
                throw new IllegalArgumentException("rank " + r + " has parent " + parent[r] + " outside the instance");
            }
        }
        List<Integer> cycle = findCycle(parent);
        if (!cycle.isEmpty()) {
            throw new IllegalArgumentException("parents form a cycle among ranks " + cycle);
        }
        children = childArrays(parent);
        childLists = new ArrayList<>(n);
        for (int[] c : children) {
            childLists.add(Arrays.stream(c).boxed().toList());
        }
        depth = new int[n];
        order = new int[n];
        enter = new int[n];
        exit = new int[n];
        walk();
    }

    /** The tree of {@code hosts}, which must be in rank order with each parent set. */
    public static Topology of(List<Host> hosts) {
        return new Topology(hosts);
    }

    /**
     * A cycle in a parent array (root marked -1), as the ranks along it starting from the lowest,
     * or an empty list if following parents from every rank reaches the root.
     */
    static List<Integer> findCycle(int[] parent) {
        byte[] state = new byte[parent.length]; // 0 unseen, 1 on the current path, 2 reaches the root
        for (int start = 0; start < parent.length; start++) {
            int r = start;
            while (r >= 0 && state[r] == 0) {
                state[r] = 1;
                r = parent[r];
            }
            if (r >= 0 && state[r] == 1) {
                List<Integer> cycle = new ArrayList<>();
                int c = r;
                do {
                    cycle.add(c);
                    c = parent[c];
                } while (c != r);
                int low = cycle.indexOf(cycle.stream().min(Integer::compare).orElseThrow());
                List<Integer> rotated = new ArrayList<>(cycle.subList(low, cycle.size()));
                rotated.addAll(cycle.subList(0, low));
                return rotated;
            }
            for (r = start; r >= 0 && state[r] == 1; r = parent[r]) {
                state[r] = 2;
            }
        }
        return List.of();
    }

    /** Whether this is the tree of {@code hosts}: the same names and parents, rank by rank. */
    boolean describes(List<Host> hosts) {
        if (hosts.size() != size()) {
            return false;
        }
        for (int r = 0; r < hosts.size(); r++) {
            Host h = hosts.get(r);
            int p = h.parent() == null ? -1 : h.parent();
            if (h.rank() != r || !h.name().equals(names[r]) || p != parent[r]) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return parent.length;
    }

    public String name(int rank) {
        return names[check(rank)];
    }

    /** The rank of {@code host}, or -1 if it is not in the instance. */
    public int rankOf(String host) {
        return rankByName.getOrDefault(host, -1);
    }

    /** The parent's rank, or -1 for rank 0. */
    public int parent(int rank) {
        return parent[check(rank)];
    }

    /** The children, in rank order. */
    public List<Integer> children(int rank) {
        return childLists.get(check(rank));
    }

    /** Hops from rank 0: 0 for the leader, 1 for its children, ... */
    public int depth(int rank) {
        return depth[check(rank)];
    }

    /** Whether {@code rank} is {@code ancestor} or lies below it. */
    public boolean isInSubtree(int rank, int ancestor) {
        return enter[check(ancestor)] <= enter[check(rank)] && enter[rank] <= exit[ancestor];
    }

    /** {@code rank} and every rank below it. */
    public IdSet subtree(int rank) {
        return IdSet.of(Arrays.copyOfRange(order, enter[check(rank)], exit[rank] + 1));
    }

    /**
     * The neighbour of {@code from} a message for {@code to} goes to next: the child whose subtree
     * holds {@code to}, else the parent; {@code from} itself when {@code to == from}.
     */
    public int routeTowards(int from, int to) {
        if (check(from) == check(to)) {
            return from;
        }
        if (!isInSubtree(to, from)) {
            return parent[from];
        }
        int[] c = children[from];
        int lo = 0;
        int hi = c.length - 1;
        while (lo < hi) { // the last child entered at or before `to`
            int mid = (lo + hi + 1) >>> 1;
            if (enter[c[mid]] <= enter[to]) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return c[lo];
    }

    private static int[][] childArrays(int[] parent) {
        int[] count = new int[parent.length];
        for (int p : parent) {
            if (p >= 0) {
                count[p]++;
            }
        }
        int[][] out = new int[parent.length][];
        for (int r = 0; r < parent.length; r++) {
            out[r] = new int[count[r]];
            count[r] = 0;
        }
        for (int r = 0; r < parent.length; r++) {
            int p = parent[r];
            if (p >= 0) {
                out[p][count[p]++] = r;
            }
        }
        return out;
    }

    /** Depth-first from rank 0 without recursion (a fanout-1 chain is 10,000 deep). */
    private void walk() {
        int[] stack = new int[size()];
        int top = 0;
        int t = 0;
        stack[top++] = 0;
        while (top > 0) {
            int r = stack[--top];
            enter[r] = t;
            order[t++] = r;
            depth[r] = r == 0 ? 0 : depth[parent[r]] + 1;
            for (int i = children[r].length - 1; i >= 0; i--) {
                stack[top++] = children[r][i];
            }
        }
        int[] subtreeSize = new int[size()];
        for (int i = size() - 1; i >= 0; i--) {
            int r = order[i];
            subtreeSize[r] += 1;
            exit[r] = enter[r] + subtreeSize[r] - 1;
            if (parent[r] >= 0) {
                subtreeSize[parent[r]] += subtreeSize[r];
            }
        }
    }

    private int check(int rank) {
        if (rank < 0 || rank >= parent.length) {
            throw new IndexOutOfBoundsException("rank " + rank + " is outside 0-" + (parent.length - 1));
        }
        return rank;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Topology t && Arrays.equals(names, t.names) && Arrays.equals(parent, t.parent);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(names) + Arrays.hashCode(parent);
    }

    @Override
    public String toString() {
        return "Topology[size=" + size() + "]";
    }
}
