package io.canopy.modules.sched;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * First fit over nodes and cores, one core per task, in rank order: the placement rule of the
 * scheduler, kept free of any module state so it can be tested alone.
 *
 * <ul>
 *   <li>{@code nnodes > 0}: the first {@code nnodes} nodes that each have room for their share of
 *       the tasks (spread evenly, the first nodes taking one more when it does not divide);
 *   <li>{@code nnodes == 0}: tasks fill the free cores of each node in rank order until all are placed.
 * </ul>
 */
final class FirstFit {
    private FirstFit() {}

    /** Where the tasks go now (rank to task count, in rank order), or empty when they do not fit now. */
    static Optional<Map<Integer, Integer>> place(List<NodeView> nodes, int nnodes, int ntasks) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        if (nnodes > 0) {
            int base = ntasks / nnodes;
            int extra = ntasks % nnodes;
            for (NodeView n : nodes) {
                if (out.size() == nnodes) {
                    break;
                }
                int share = base + (out.size() < extra ? 1 : 0);
                if (n.usable() && n.free() >= Math.max(1, share)) {
                    out.put(n.rank(), share);
                }
            }
            return out.size() == nnodes ? Optional.of(out) : Optional.empty();
        }
        int left = ntasks;
        for (NodeView n : nodes) {
            if (left == 0) {
                break;
            }
            int take = Math.min(left, n.free());
            if (take > 0) {
                out.put(n.rank(), take);
                left -= take;
            }
        }
        return left == 0 ? Optional.of(out) : Optional.empty();
    }

    /**
     * Why a job can never fit on these nodes, counting every node that is not excluded as if it
     * were up, idle and undrained (nodes come back; drains end); empty when it could fit some day.
     * A node whose cores are not known yet counts with the most cores any node has.
     */
    static Optional<String> never(List<NodeView> nodes, int nnodes, int ntasks) {
        int most = nodes.stream().mapToInt(NodeView::cores).max().orElse(0);
        List<NodeView> eligible = nodes.stream().filter(n -> !n.excluded()).toList();
        long excluded = nodes.size() - eligible.size();
        String ex = excluded > 0 ? " (" + excluded + " excluded by [resource] exclude)" : "";
        if (eligible.isEmpty()) {
            return Optional.of("no node may run jobs: all " + nodes.size() + " are excluded by [resource] exclude");
        }
        if (nnodes > eligible.size()) {
            return Optional.of("the job asks for " + nnodes + " nodes; this instance has " + eligible.size()
                    + " that may run jobs" + ex);
        }
        if (most == 0) {
            return Optional.empty(); // no node has reported its cores yet: cannot judge
        }
        if (nnodes > 0) {
            int share = (ntasks + nnodes - 1) / nnodes;
            if (share > most) {
                return Optional.of("the job puts " + share + " tasks on a node; the largest node has " + most + " cores");
            }
            return Optional.empty();
        }
        long total = eligible.stream().mapToLong(n -> n.cores() > 0 ? n.cores() : most).sum();
        if (ntasks > total) {
            return Optional.of("the job asks for " + ntasks + " cores; this instance has " + total
                    + " on nodes that may run jobs" + ex);
        }
        return Optional.empty();
    }
}
