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
 * change marks its job dirty, and one commit writes every dirty job. Anything that must not happen
 * before the change is durable (answering a submit, starting tasks, acknowledging a node's report)
 * waits in {@link #afterCommit}, which commits at the end of the current burst of work; changes no
 * one waits for (a job's start, its end) ride along, or are committed within 100 ms. One commit per
 * burst rather than per change is what lets the leader keep up with many jobs a second: a commit
 * costs milliseconds (an fsync), much more than the work it makes durable.
 */
final class JobStore {
    private static final String PREFIX = "job.";
    private static final String NEXT_ID = "next-id";
    private static final Duration RETRY = Duration.ofSeconds(1);
    /** How long a change nobody waits for may stay uncommitted (a crash then loses at most this much). */
    private static final Duration LAZY = Duration.ofMillis(100);

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
    private boolean lazyScheduled;

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

    /** Marks a job changed: committed with the next commit someone waits for, or within {@link #LAZY}. */
    void touch(Job j) {
        dirty.add(j.id());
        if (!lazyScheduled) {
            lazyScheduled = true;
            ctx.schedule(LAZY, () -> {
                lazyScheduled = false;
                flush();
            });
        }
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
        if (dirty.isEmpty() && removed.isEmpty() && waiting.isEmpty()) {
            return;
        }
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
