package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * One node as {@code resource.status} gives it, as flux-core's status.c puts it together: its
 * status, whether it is excluded, the jobs running there (from {@code sched.busy}), and its drains.
 * {@code drain} is the node's first drain (an administrator's, if any) with the node's drain state
 * ({@code draining} while jobs run there, else {@code drained}), every source that holds it, and
 * the jobs that keep it draining; {@code drains} lists each drain with its source. Callers of the
 * previous release read {@code drain.reason}, {@code drain.user}, {@code drain.time} and
 * {@code drain.state} as before.
 */
final class NodeStatus {
    private NodeStatus() {}

    /**
     * @param busy     {@code sched.busy}'s {@code busy} (rank to job ids), or null when unknown
     * @param extra    more fields for a rank (the reboot in progress), or null
     */
    static List<Map<String, Object>> nodes(Inventory inv, Exclusions excluded, DrainSet drains, JsonNode busy,
            IntFunction<Map<String, Object>> extra) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int r = 0; r < inv.size(); r++) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("rank", r);
            n.put("host", inv.host(r));
            n.put("state", inv.effective(r));
            n.put("since", inv.since(r) / 1000.0);
            n.put("excluded", excluded.contains(r));
            List<Long> jobs = jobs(busy, r);
            n.put("jobs", jobs.size());
            n.put("jobids", jobs);
            List<Drain> all = drains.of(r);
            if (all.isEmpty()) {
                n.put("drain", null);
            } else {
                Drain d = all.get(0);
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("reason", d.reason());
                dm.put("user", d.user());
                dm.put("userid", d.userid());
                dm.put("time", d.time());
                dm.put("state", jobs.isEmpty() ? "drained" : "draining");
                dm.put("source", d.source());
                dm.put("sources", all.stream().map(Drain::source).toList());
                dm.put("jobs", jobs); // what keeps it draining
                n.put("drain", dm);
            }
            List<Map<String, Object>> list = new ArrayList<>();
            for (Drain d : all) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("source", d.source());
                dm.put("reason", d.reason());
                dm.put("user", d.user());
                dm.put("userid", d.userid());
                dm.put("time", d.time());
                list.add(dm);
            }
            n.put("drains", list);
            if (extra != null) {
                Map<String, Object> more = extra.apply(r);
                if (more != null) {
                    n.putAll(more);
                }
            }
            nodes.add(n);
        }
        return nodes;
    }

    /** The jobs running on {@code rank}, by id. */
    static List<Long> jobs(JsonNode busy, int rank) {
        JsonNode ids = busy == null ? null : busy.get(Integer.toString(rank));
        List<Long> out = new ArrayList<>();
        if (ids != null) {
            ids.forEach(i -> out.add(i.asLong()));
        }
        return out;
    }
}
