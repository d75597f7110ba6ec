package io.canopy.modules.job;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code job-manager.stats}: how many jobs are in each state, how many ended with each result, and
 * how many were ever submitted, counted over the jobs the job manager holds; for monitoring
 * ({@code canopy_jobs}, {@code canopy_jobs_ended_total}), cheaper than listing every job.
 */
final class JobStats {
    private JobStats() {}

    /** {@code {"active":{"SCHED":3,...}, "inactive":{"COMPLETED":10,...}, "total":13}}. */
    static Map<String, Object> of(Iterable<Job> jobs) {
        Map<String, Integer> active = new TreeMap<>();
        Map<String, Integer> inactive = new TreeMap<>();
        for (JobState s : JobState.values()) {
            if (s.active()) {
                active.put(s.name(), 0);
            }
        }
        int total = 0;
        for (Job j : jobs) {
            total++;
            if (j.state().active()) {
                active.merge(j.state().name(), 1, Integer::sum);
            } else {
                inactive.merge(String.valueOf(j.result()), 1, Integer::sum);
            }
        }
        return Map.of("active", active, "inactive", inactive, "total", total);
    }
}
