package io.canopy.modules.sched;

/**
 * What the scheduler knows of one rank: whether it may take new work, how many cores it has and
 * how many of them running jobs hold.
 *
 * @param cores     the rank's cores, 0 while unknown (job-exec has not said yet)
 * @param used      cores held by running allocations
 * @param up        the resource module reports it {@code online}
 * @param drained   drained or draining
 * @param excluded  excluded from scheduling by configuration ({@code [resource] exclude})
 */
record NodeView(int rank, int cores, int used, boolean up, boolean drained, boolean excluded) {

    /** Cores a new job may use now. */
    int free() {
        return usable() ? Math.max(0, cores - used) : 0;
    }

    /** The node may take new work (whatever its cores). */
    boolean usable() {
        return up && !drained && !excluded && cores > 0;
    }
}
