package io.canopy.modules.resource;

import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Resolves what an operator typed as targets, an idset of ranks ({@code 0-3,7}) or a hostlist
 * ({@code node[1-4]}), to ranks; anything not in the instance is an error naming it.
 */
final class Targets {
    private Targets() {}

    static TreeSet<Integer> resolve(String text, Inventory inv) throws RpcException {
        if (text == null || text.isBlank()) {
            throw new RpcException(Errno.EINVAL, "no targets given: name ranks (0-3,7) or hosts (node[1-4])");
        }
        TreeSet<Integer> ranks = new TreeSet<>();
        List<String> unknown = new ArrayList<>();
        if (Character.isDigit(text.trim().charAt(0))) {
            IdSet ids;
            try {
                ids = IdSet.parse(text);
            } catch (IllegalArgumentException e) {
                throw new RpcException(Errno.EINVAL, e.getMessage());
            }
            ids.stream().forEach(r -> {
                if (r < inv.size()) {
                    ranks.add(r);
                } else {
                    unknown.add(Integer.toString(r));
                }
            });
            if (!unknown.isEmpty()) {
                throw new RpcException(Errno.ENOENT, "no such rank(s): " + String.join(",", unknown)
                        + " (this instance has ranks 0-" + (inv.size() - 1) + "); nothing was changed");
            }
            return ranks;
        }
        List<String> hosts;
        try {
            hosts = Hostlist.expand(text);
        } catch (IllegalArgumentException e) {
            throw new RpcException(Errno.EINVAL, e.getMessage());
        }
        for (String h : hosts) {
            Integer r = inv.rankOf(h);
            if (r == null) {
                unknown.add(h);
            } else {
                ranks.add(r);
            }
        }
        if (!unknown.isEmpty()) {
            throw new RpcException(Errno.ENOENT, "unknown host(s): " + Hostlist.compress(unknown)
                    + "; nothing was changed");
        }
        return ranks;
    }
}
