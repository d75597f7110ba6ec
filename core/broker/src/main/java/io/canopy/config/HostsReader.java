package io.canopy.config;

import io.canopy.idset.Hostlist;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns {@code bootstrap.hosts} into ranked {@link Host}s: expands each entry's hostlist, fills in
 * bind and connect URIs, and gives every host a parent (its own {@code parent} key, else the k-ary
 * tree of {@code tbon.fanout}), refusing duplicates, unknown parents and cycles with the key of the
 * entry at fault.
 */
final class HostsReader {
    static final List<String> KEYS = List.of("host", "bind", "connect", "parent");
    private static final String EXAMPLE = "hosts = [ {host = \"mgmt0\"}, {host = \"node[1-16]\"} ]";

    /** A host as listed, before parents are resolved. */
    private record Listed(String name, int entry, String bind, String connect, Optional<String> parent) {}

    private HostsReader() {}

    static List<Host> read(TomlTable bootstrap, Bootstrap defaults, int fanout) throws ConfigException {
        List<TomlTable> entries = bootstrap.tables("hosts", EXAMPLE);
        if (entries.isEmpty()) {
            throw bootstrap.error("hosts", "no hosts are listed; every broker must find its own host here",
                    "list the instance's hosts in order, leader first, e.g. " + EXAMPLE);
        }
        List<Listed> listed = new ArrayList<>();
        Map<String, Integer> rankByName = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            TomlTable e = entries.get(i);
            e.allowOnly(KEYS);
            String bind = template(e, "bind", defaults.defaultBind());
            String connect = template(e, "connect", defaults.defaultConnect());
            Optional<String> parent = e.string("parent");
            for (String name : names(e)) {
                Integer earlier = rankByName.putIfAbsent(name, listed.size());
                if (earlier != null) {
                    throw e.error("host", "host " + name + " is already listed in bootstrap.hosts["
                            + listed.get(earlier).entry() + "]", "list each host once");
                }
                if (listed.size() >= Hostlist.MAX_HOSTS) {
                    throw e.error("host", "bootstrap.hosts lists more than " + Hostlist.MAX_HOSTS + " hosts",
                            "split the cluster into several instances");
                }
                listed.add(new Listed(name, i, bind, connect, parent));
            }
        }
        int[] parents = parents(entries, listed, rankByName, fanout);
        List<Host> hosts = new ArrayList<>(listed.size());
        for (int r = 0; r < listed.size(); r++) {
            Listed l = listed.get(r);
            hosts.add(new Host(r, l.name(), UriTemplate.expand(l.bind(), l.name(), defaults.defaultPort()),
                    UriTemplate.expand(l.connect(), l.name(), defaults.defaultPort()),
                    r == 0 ? null : parents[r]));
        }
        return hosts;
    }

    private static List<String> names(TomlTable e) throws ConfigException {
        String text = e.string("host").orElseThrow(() -> e.error("host", "the entry has no host",
                "give each entry a host name or hostlist, e.g. {host = \"node[1-16]\"}"));
        try {
            return Hostlist.expand(text);
        } catch (IllegalArgumentException ex) {
            throw e.error("host", ex.getMessage(), "write a host name or a hostlist such as node[1-16]");
        }
    }

    private static String template(TomlTable e, String key, String dflt) throws ConfigException {
        String t = e.string(key, dflt);
        UriTemplate.check(e, key, t);
        return t;
    }

    private static int[] parents(List<TomlTable> entries, List<Listed> listed, Map<String, Integer> rankByName,
            int fanout) throws ConfigException {
        int[] parents = new int[listed.size()];
        parents[0] = -1;
        if (listed.get(0).parent().isPresent()) {
            throw entries.get(listed.get(0).entry()).error("parent", "host " + listed.get(0).name()
                    + " is rank 0, the leader, and cannot have a parent",
                    "remove parent from this entry, or list the leader's host first");
        }
        for (int r = 1; r < listed.size(); r++) {
            Listed l = listed.get(r);
            if (l.parent().isEmpty()) {
                parents[r] = (r - 1) / fanout;
                continue;
            }
            String p = l.parent().get();
            Integer pr = rankByName.get(p);
            if (pr == null) {
                throw entries.get(l.entry()).error("parent", "parent " + p + " is not a host in bootstrap.hosts",
                        "name a host listed in bootstrap.hosts, or remove parent to use tbon.fanout");
            }
            if (pr == r) {
                throw entries.get(l.entry()).error("parent", "host " + l.name() + " names itself as its parent",
                        "name another host, or remove parent to use tbon.fanout");
            }
            parents[r] = pr;
        }
        List<Integer> cycle = Topology.findCycle(parents);
        if (!cycle.isEmpty()) {
            Listed first = listed.get(cycle.get(0));
            String path = cycle.stream().map(r -> listed.get(r).name()).collect(Collectors.joining(" -> "));
            throw entries.get(first.entry()).error("parent", "parents form a cycle: " + path + " -> " + first.name(),
                    "make every chain of parents end at rank 0 (" + listed.get(0).name() + ")");
        }
        return parents;
    }
}
