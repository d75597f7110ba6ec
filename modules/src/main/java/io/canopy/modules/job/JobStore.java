package io.canopy.modules.job;

import io.canopy.module.Checkpoint;
import io.canopy.module.ModuleContext;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The jobs, committed to the module's checkpoint (on the leader: its durable store) in groups: a
 * change marks its job dirty, and one commit at the end of the current burst of work writes every
 * dirty job. Anything that must not happen before the change is durable (answering a submit,
 * starting tasks, acknowledging a node's report) waits in {@link #afterCommit}. One commit per
 * burst rather than per change is what lets the leader keep up with hundreds of jobs a second.
 */
final class JobStore {
    private static final String PREFIX = "job.";
    private static final String NEXT_ID = "next-id";
    private static final Duration RETRY = Duration.ofSeconds(1);

    /** Work that waits for a commit; {@code failed} runs instead when the commit fails (may be null). */
    private record Waiting(Runnable then, Consumer<RpcException> failed) {}

    private final ModuleContext ctx;
    private final Checkpoint checkpoint;
    private final TreeMap<Long, Job> jobs = new TreeMap<>();
    private final Set<Long> dirty = new LinkedHashSet<>();
    private final Set<Long> removed = new LinkedHashSet<>();
    private List<Waiting> waiting = new ArrayList<>();
    private long nextId = 1;
    private boolean flushScheduled;

    JobStore(ModuleContext ctx) throws RpcException {
        this.ctx = ctx;
        this.checkpoint = ctx.checkpoint();
        nextId = checkpoint.get(NEXT_ID, Long.class).orElse(1L);
        for (String key : checkpoint.keys()) {
            if (key.startsWith(PREFIX)) {
                Job j = Job.of(checkpoint.get(key, JobRecord.class).orElseThrow());
                jobs.put(j.id(), j);
                nextId = Math.max(nextId, j.id() + 1);
            }
        }
    }

    TreeMap<Long, Job> all() {
        return jobs;
    }

    Job get(long id) {
        return jobs.get(id);
    }

    /** A new job with the next id, dirty. */
    Job create(int userid, JobSpec spec) {
        Job j = new Job(nextId++, userid, spec);
        jobs.put(j.id(), j);
        touch(j);
        return j;
    }

    /** Forgets a job (purged, or never committed). */
    void remove(long id) {
        if (jobs.remove(id) != null) {
            dirty.remove(id);
            removed.add(id);
            flushSoon();
        }
    }

    void touch(Job j) {
        dirty.add(j.id());
        flushSoon();
    }

    /** Runs {@code then} once everything changed so far is durable. */
    void afterCommit(Runnable then) {
        afterCommit(then, null);
    }

    /** As {@link #afterCommit(Runnable)}; {@code failed} runs instead if that commit fails. */
    void afterCommit(Runnable then, Consumer<RpcException> failed) {
        waiting.add(new Waiting(then, failed));
        flushSoon();
    }

    private void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.schedule(Duration.ZERO, this::flush); // after the work already queued: one commit per burst
        }
    }

    /** Writes every dirty job and commits; then runs what waited for it. */
    void flush() {
        flushScheduled = false;
        for (long id : dirty) {
            Job j = jobs.get(id);
            if (j != null) {
                checkpoint.putBytes(PREFIX + id, Payloads.encode(j.record()));
            }
        }
        for (long id : removed) {
            checkpoint.remove(PREFIX + id);
        }
        checkpoint.put(NEXT_ID, nextId);
        List<Waiting> now = waiting;
        try {
            checkpoint.commit();
        } catch (RpcException e) {
            ctx.log().error("job-manager: cannot commit the job state: {}; submissions are refused and the rest "
                    + "waits until it can be written (free space on the leader's state directory)", e.getMessage());
            waiting = new ArrayList<>();
            for (Waiting w : now) {
                if (w.failed() != null) {
                    w.failed().accept(e);
                } else {
                    waiting.add(w);
                }
            }
            ctx.schedule(RETRY, this::flushSoon);
            return;
        }
        dirty.clear();
        removed.clear();
        waiting = new ArrayList<>();
        now.forEach(w -> w.then().run());
    }
}
