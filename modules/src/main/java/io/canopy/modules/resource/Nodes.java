package io.canopy.modules.resource;

import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import java.util.Collection;

/** How the resource module names nodes in what it says: hosts first, then their ranks. */
final class Nodes {
    private Nodes() {}

    /** {@code node7 (rank 9)} or {@code node[1-2] (ranks 3-4)}. */
    static String describe(Collection<Integer> ranks, Inventory inv) {
        IdSet ids = IdSet.of(ranks.stream().mapToInt(Integer::intValue).toArray());
        return hosts(ranks, inv) + (ids.size() == 1 ? " (rank " : " (ranks ") + ids + ")";
    }

    /** The hosts of {@code ranks} as a compressed hostlist. */
    static String hosts(Collection<Integer> ranks, Inventory inv) {
        return Hostlist.compress(ranks.stream().sorted().map(inv::host).toList());
    }
}
