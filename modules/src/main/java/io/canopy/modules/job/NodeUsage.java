package io.canopy.modules.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a job used on one node, as job-exec measured it from the job's cgroup there: CPU time of
 * every process of the job, and the peak memory of the cgroup (without a cgroup: the largest
 * single process). Null where the node could not tell.
 *
 * @param cpuUsec     CPU time in microseconds
 * @param memoryPeak  peak memory in bytes
 * @param containment how the job was contained there: cgroup-v2, cgroup-v1, cgroup-v2+v1, process-group
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeUsage(Long cpuUsec, Long memoryPeak, String containment) {
    /** From job-exec's {@code usage} object, or null when the report has none. */
    static NodeUsage of(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        return new NodeUsage(u.path("cpu_usec").isNumber() ? u.path("cpu_usec").asLong() : null,
                u.path("memory_peak").isNumber() ? u.path("memory_peak").asLong() : null,
                u.path("containment").asText(null));
    }
}
