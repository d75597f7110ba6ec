package io.canopy.modules.job;

import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import io.canopy.module.UserNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** A job as callers see it: the JSON of {@code job-manager.info}, {@code list} and {@code wait}. */
final class JobView {
    private JobView() {}

    static Map<String, Object> of(Job j, IntFunction<String> host) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("name", j.spec().name());
        m.put("user", UserNames.of(j.userid()));
        m.put("userid", j.userid());
        m.put("command", j.spec().command());
        m.put("state", j.state().name());
        m.put("result", j.result());
        m.put("nnodes", j.alloc().isEmpty() ? j.spec().nnodes() : j.alloc().size());
        m.put("ntasks", j.spec().ntasks());
        List<Integer> ranks = List.copyOf(j.alloc().keySet());
        m.put("ranks", ranks.isEmpty() ? null : ranks(ranks));
        m.put("nodelist", ranks.isEmpty() ? null : Hostlist.compress(ranks.stream().map(host::apply).toList()));
        m.put("exitcode", j.exitcode());
        m.put("exceptions", j.exceptions());
        m.put("t_submit", j.tSubmit());
        m.put("t_run", j.tRun());
        m.put("t_inactive", j.tInactive());
        m.put("cwd", j.spec().cwd());
        m.put("output", j.spec().output());
        m.put("error", j.spec().error());
        m.put("usage", usage(j.usage()));
        return m;
    }

    /**
     * The job's usage over the nodes that reported it: CPU time summed, peak memory the largest of
     * any node (each node's cgroup peak), how it was contained; null before any node reported.
     */
    static Map<String, Object> usage(Map<Integer, NodeUsage> perNode) {
        if (perNode.isEmpty()) {
            return null;
        }
        Long cpu = null;
        Long mem = null;
        java.util.TreeSet<String> how = new java.util.TreeSet<>();
        for (NodeUsage u : perNode.values()) {
            if (u.cpuUsec() != null) {
                cpu = (cpu == null ? 0 : cpu) + u.cpuUsec();
            }
            if (u.memoryPeak() != null) {
                mem = Math.max(mem == null ? 0 : mem, u.memoryPeak());
            }
            if (u.containment() != null) {
                how.add(u.containment());
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_usec", cpu);
        m.put("memory_peak", mem);
        m.put("containment", String.join(",", how));
        m.put("nodes", perNode.size());
        return m;
    }

    static String ranks(java.util.Collection<Integer> ranks) {
        return IdSet.of(ranks.stream().mapToInt(Integer::intValue).toArray()).toString();
    }
}
