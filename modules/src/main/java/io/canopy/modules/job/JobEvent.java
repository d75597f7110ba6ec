package io.canopy.modules.job;

import java.util.Map;

/**
 * One entry of a job's eventlog: what happened and when. The eventlog is the job's history and
 * the source of its state: replaying it gives the same job after a restart.
 *
 * @param timestamp seconds since the epoch
 */
public record JobEvent(double timestamp, String name, Map<String, Object> context) {
    public JobEvent {
        context = context == null ? Map.of() : context;
    }

    static JobEvent now(String name, Map<String, Object> context) {
        return new JobEvent(System.currentTimeMillis() / 1000.0, name, context);
    }
}
