package io.canopy.modules.resource;

import io.canopy.idset.IdSet;
import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.Collection;
import java.util.List;

/**
 * The ranks {@code [resource] exclude} keeps out of scheduling (service and login nodes), as
 * flux-core's exclude.c: shown as {@code exclude} by {@code canopy resource status}, never handed
 * jobs, and never drained (a drain there would mean nothing, and would be a typo far more often
 * than a wish). The config reader has already checked every rank against the host list; the
 * module gets them as an idset ({@code exclude=0-2}).
 */
final class Exclusions {
    private volatile IdSet ranks;

    Exclusions(IdSet ranks) {
        this.ranks = ranks;
    }

    /**
     * The ranks of a module argument such as {@code 0-2}, every one below {@code size}.
     *
     * @throws IllegalArgumentException naming what is wrong (the module then refuses to start)
     */
    static IdSet parse(String text, int size) {
        IdSet ids;
        try {
            ids = IdSet.parse(text == null ? "" : text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("resource: exclude=" + text + " is not a set of ranks (" + e.getMessage()
                    + "); give ranks such as exclude=0-2 ([resource] exclude in system.toml is resolved to ranks)", e);
        }
        if (!ids.isEmpty() && ids.last() >= size) {
            throw new IllegalArgumentException("resource: exclude=" + text + " names rank(s) "
                    + ids.difference(IdSet.range(0, size - 1)) + ", beyond this instance's ranks 0-" + (size - 1));
        }
        return ids;
    }

    IdSet ranks() {
        return ranks;
    }

    void set(IdSet newRanks) {
        ranks = newRanks;
    }

    boolean contains(int rank) {
        return ranks.contains(rank);
    }

    /** Refuses to drain any excluded rank among {@code targets}, naming them. */
    void refuseDrain(Collection<Integer> targets, Inventory inv) throws RpcException {
        List<Integer> hit = targets.stream().filter(ranks::contains).toList();
        if (!hit.isEmpty()) {
            throw new RpcException(Errno.EINVAL, Nodes.describe(hit, inv) + " excluded by [resource] exclude: "
                    + (hit.size() == 1 ? "it runs" : "they run") + " no jobs, so there is nothing to drain; "
                    + "nothing was changed (remove it from exclude in system.toml and `canopy config reload` to "
                    + "schedule there)");
        }
    }
}
