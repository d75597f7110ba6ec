package io.canopy.config;

import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code [resource]} table, read by the resource module on the leader.
 *
 * @param drainOnLost  {@code drain_on_lost}: drain a lost node with reason "lost"; false unless set
 * @param exclude      {@code exclude} as written: ranks ({@code 0-2}) or hosts ({@code mgmt[1-2]}) that
 *                     never run jobs, such as service nodes; empty unless set
 * @param excludeRanks the ranks {@code exclude} names, every one of them in the instance: a host that
 *                     is not listed or a rank out of range is an error, never a silently shorter list
 */
public record Resource(boolean drainOnLost, String exclude, IdSet excludeRanks) {
    static final List<String> KEYS = List.of("drain_on_lost", "exclude");

    public Resource {
        Objects.requireNonNull(exclude, "exclude");
        Objects.requireNonNull(excludeRanks, "excludeRanks");
    }

    public Resource(boolean drainOnLost) {
        this(drainOnLost, "", IdSet.empty());
    }

    static Resource read(TomlTable t, List<Host> hosts) throws ConfigException {
        t.allowOnly(KEYS);
        String exclude = t.stringOrEmpty("exclude");
        return new Resource(t.bool("drain_on_lost", false), exclude, ranks(t, "exclude", exclude, hosts));
    }

    /**
     * The ranks {@code text} (an idset of ranks or a hostlist) names in {@code hosts}; anything not
     * in the instance is an error naming it.
     */
    static IdSet ranks(TomlTable t, String key, String text, List<Host> hosts) throws ConfigException {
        if (text.isBlank()) {
            return IdSet.empty();
        }
        String last = Integer.toString(hosts.size() - 1);
        if (Character.isDigit(text.strip().charAt(0))) {
            IdSet ids;
            try {
                ids = IdSet.parse(text.strip());
            } catch (IllegalArgumentException e) {
                throw t.error(key, "\"" + text + "\" is not a set of ranks: " + e.getMessage(),
                        "write ranks such as \"0-2,5\" or hosts such as \"mgmt0,login[1-2]\"");
            }
            if (!ids.isEmpty() && ids.last() >= hosts.size()) {
                IdSet beyond = ids.difference(IdSet.range(0, hosts.size() - 1));
                throw t.error(key, "rank(s) " + beyond + " out of range: bootstrap.hosts lists ranks 0-" + last,
                        "name ranks from 0 to " + last + ", or hosts listed in bootstrap.hosts");
            }
            return ids;
        }
        List<String> names;
        try {
            names = Hostlist.expand(text.strip());
        } catch (IllegalArgumentException e) {
            throw t.error(key, "\"" + text + "\" is not a hostlist: " + e.getMessage(),
                    "write hosts such as \"mgmt0,login[1-2]\" or ranks such as \"0-2\"");
        }
        Map<String, Integer> rankOf = new HashMap<>();
        for (Host h : hosts) {
            rankOf.put(h.name(), h.rank());
        }
        List<String> unknown = new ArrayList<>();
        List<Integer> ranks = new ArrayList<>();
        for (String n : names) {
            Integer r = rankOf.get(n);
            if (r == null) {
                unknown.add(n);
            } else {
                ranks.add(r);
            }
        }
        if (!unknown.isEmpty()) {
            throw t.error(key, "unknown host(s) " + Hostlist.compress(unknown) + ": not in bootstrap.hosts",
                    "name only hosts listed in bootstrap.hosts (or ranks 0-" + last + ")");
        }
        return IdSet.of(ranks.stream().mapToInt(Integer::intValue).toArray());
    }
}
