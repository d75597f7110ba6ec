package io.canopy.tools.cli;

import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import java.util.ArrayList;
import java.util.List;

/** What {@code canopy exec -r} names: ranks ({@code 0-3,7}) or hosts ({@code node[1-4]}), or every rank. */
final class ExecTargets {
    private ExecTargets() {}

    /**
     * The ranks {@code text} names among {@code hosts} (by rank), in order; null or empty: all.
     *
     * @throws IllegalArgumentException naming what is not in the instance (a usage error)
     */
    static List<Integer> resolve(String text, List<String> hosts) {
        List<Integer> ranks = new ArrayList<>();
        if (text == null || text.isBlank()) {
            for (int r = 0; r < hosts.size(); r++) {
                ranks.add(r);
            }
            return ranks;
        }
        if (Character.isDigit(text.strip().charAt(0))) {
            IdSet ids = IdSet.parse(text.strip());
            if (!ids.isEmpty() && ids.last() >= hosts.size()) {
                throw new IllegalArgumentException("-r " + text + ": no such rank(s) "
                        + ids.difference(IdSet.range(0, hosts.size() - 1)) + " (this instance has ranks 0-"
                        + (hosts.size() - 1) + ")");
            }
            return ids.toList();
        }
        List<String> unknown = new ArrayList<>();
        for (String h : Hostlist.expand(text.strip())) {
            int r = hosts.indexOf(h);
            if (r < 0) {
                unknown.add(h);
            } else if (!ranks.contains(r)) {
                ranks.add(r);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("-r " + text + ": unknown host(s) " + Hostlist.compress(unknown)
                    + " (not in this instance)");
        }
        ranks.sort(null);
        return ranks;
    }
}
