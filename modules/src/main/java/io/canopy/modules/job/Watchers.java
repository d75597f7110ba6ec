package io.canopy.modules.job;

import io.canopy.module.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Callers waiting on jobs ({@code job-manager.wait}, {@code attach}) and the output of jobs that
 * write to no file, kept in memory at the leader for {@code canopy run} and attach (at most
 * {@link #MAX_OUTPUT} characters a job; use {@code --output} for more, or for output that must
 * outlive a restart of the leader).
 */
final class Watchers {
    static final int MAX_OUTPUT = 4 << 20;

    private final Map<Long, List<Request>> waiting = new HashMap<>();
    private final Map<Long, List<Request>> attached = new HashMap<>();
    private final Map<Long, List<Map<String, Object>>> output = new HashMap<>();
    private final Map<Long, Integer> outputSize = new HashMap<>();
    /** The last output report taken from each rank of each job: a retried report is not kept twice. */
    private final Map<Long, Map<Integer, Long>> outputSeq = new HashMap<>();

    void addWaiter(long id, Request r) {
        waiting.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
    }

    /** Attaches {@code r}: sends it the job's events and output so far; more follow as they come. */
    void attach(Job j, Request r) {
        for (JobEvent e : j.events()) {
            r.respondPart(Map.of("event", e));
        }
        for (Map<String, Object> chunk : output.getOrDefault(j.id(), List.of())) {
            r.respondPart(Map.of("output", chunk));
        }
        attached.computeIfAbsent(j.id(), k -> new ArrayList<>()).add(r);
    }

    void event(long id, JobEvent e) {
        for (Request r : attached.getOrDefault(id, List.of())) {
            r.respondPart(Map.of("event", e));
        }
    }

    /**
     * True when output report {@code seq} from {@code rank} is new for job {@code id}, false when
     * it was taken already (job-exec resends a report whose answer it did not get). Reports from a
     * rank come in order, one at a time; 0 means unnumbered, always new.
     */
    boolean newOutputReport(long id, int rank, long seq) {
        if (seq <= 0) {
            return true;
        }
        Map<Integer, Long> last = outputSeq.computeIfAbsent(id, k -> new HashMap<>());
        if (seq <= last.getOrDefault(rank, 0L)) {
            return false;
        }
        last.put(rank, seq);
        return true;
    }

    /** Keeps (within the limit) and forwards one chunk of a task's output. */
    void output(long id, int task, String stream, String data) {
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("task", task);
        chunk.put("stream", stream);
        chunk.put("data", data);
        int size = outputSize.getOrDefault(id, 0);
        if (size < MAX_OUTPUT) {
            int room = MAX_OUTPUT - size;
            if (data.length() > room) {
                chunk.put("data", data.substring(0, room) + "\n[canopy: output beyond " + (MAX_OUTPUT >> 20)
                        + " MiB is not kept; use --output FILE]\n");
            }
            output.computeIfAbsent(id, k -> new ArrayList<>()).add(chunk);
            outputSize.put(id, size + data.length());
        }
        for (Request r : attached.getOrDefault(id, List.of())) {
            r.respondPart(Map.of("output", chunk));
        }
    }

    /** The job is over: every waiter and attached caller gets the final answer. */
    void done(long id, Map<String, Object> view) {
        for (Request r : removeAll(waiting, id)) {
            r.respond(view);
        }
        for (Request r : removeAll(attached, id)) {
            r.respond(view);
        }
    }

    /** Drops what is kept of a purged job. */
    void forget(long id) {
        output.remove(id);
        outputSize.remove(id);
        outputSeq.remove(id);
    }

    private static List<Request> removeAll(Map<Long, List<Request>> m, long id) {
        List<Request> l = m.remove(id);
        return l == null ? List.of() : l;
    }
}
