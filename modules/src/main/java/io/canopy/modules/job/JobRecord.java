package io.canopy.modules.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * A job as committed at the leader: who submitted what, its eventlog, and how far each of its
 * nodes got ({@code finished}: rank to the largest exit status of its tasks; {@code released}:
 * ranks whose epilog is done; {@code excused}: ranks that will never report, being lost or
 * shut down, or having forgotten the job); {@code usage}: rank to what the job used there.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobRecord(long id, int userid, JobSpec spec, List<JobEvent> events, Map<Integer, Integer> finished,
        List<Integer> released, List<Integer> excused, Map<Integer, NodeUsage> usage) {
    public JobRecord {
        usage = usage == null ? Map.of() : usage;
        events = events == null ? List.of() : events;
        finished = finished == null ? Map.of() : finished;
        released = released == null ? List.of() : released;
        excused = excused == null ? List.of() : excused;
    }
}
