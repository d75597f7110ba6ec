package io.canopy.modules.job;

/** A job's state, as in flux: from accepted to over. */
public enum JobState {
    DEPEND, SCHED, RUN, CLEANUP, INACTIVE;

    boolean active() {
        return this != INACTIVE;
    }
}
