package io.canopy.modules.job;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One job at the leader: its spec, its eventlog, and the state the eventlog implies. Every change
 * is an event ({@link #post}) or a node's progress ({@link #finished}, {@link #released},
 * {@link #excuse}); {@link #record()} is what gets committed and {@link #of(JobRecord)} rebuilds
 * the same job from it. Used on the job-manager's module thread only.
 */
final class Job {
    /** What job-manager still has to do for the job; never committed (redone after a restart). */
    enum Pending { NONE, ALLOC, STARTING }

    private final long id;
    private final int userid;
    private JobSpec spec;
    private final List<JobEvent> events = new ArrayList<>();
    private final TreeMap<Integer, Integer> finished = new TreeMap<>();
    private final TreeSet<Integer> released = new TreeSet<>();
    private final TreeSet<Integer> excused = new TreeSet<>();
    private final TreeMap<Integer, NodeUsage> usage = new TreeMap<>();

    private JobState state = JobState.DEPEND;
    private Map<Integer, Integer> alloc = Map.of();
    private boolean started;
    private boolean freed;
    private Integer exitcode;
    private final List<Map<String, Object>> exceptions = new ArrayList<>();
    private String fatalType;
    private double tSubmit;
    private Double tRun;
    private Double tInactive;

    // transient
    Pending pending = Pending.NONE;
    /** Counts the job's sched.alloc requests: only the answer to the latest one counts. */
    int allocAttempt;
    boolean killSent;
    boolean freeSent;

    Job(long id, int userid, JobSpec spec) {
        this.id = id;
        this.userid = userid;
        this.spec = spec;
    }

    static Job of(JobRecord r) {
        Job j = new Job(r.id(), r.userid(), r.spec());
        r.events().forEach(j::apply);
        j.finished.putAll(r.finished());
        j.released.addAll(r.released());
        j.excused.addAll(r.excused());
        j.usage.putAll(r.usage());
        return j;
    }

    JobRecord record() {
        return new JobRecord(id, userid, spec, List.copyOf(events), Map.copyOf(finished), List.copyOf(released),
                List.copyOf(excused), Map.copyOf(usage));
    }

    /** Appends an event and applies it; returns it (for watchers). */
    JobEvent post(String name, Map<String, Object> context) {
        JobEvent e = JobEvent.now(name, context);
        apply(e);
        return e;
    }

    private void apply(JobEvent e) {
        events.add(e);
        Map<String, Object> c = e.context();
        switch (e.name()) {
            case "submit" -> {
                state = JobState.DEPEND;
                tSubmit = e.timestamp();
            }
            case "depend" -> state = JobState.SCHED;
            case "alloc" -> {
                Map<Integer, Integer> a = new LinkedHashMap<>();
                Object ranks = c.get("alloc");
                if (ranks instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> a.put(Integer.parseInt(k.toString()), ((Number) v).intValue()));
                }
                alloc = Collections.unmodifiableMap(a);
                if (state == JobState.SCHED) {
                    state = JobState.RUN;
                    tRun = e.timestamp();
                }
            }
            case "start" -> started = true;
            case "exception" -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("type", c.get("type"));
                x.put("severity", c.get("severity"));
                x.put("note", c.get("note"));
                x.put("timestamp", e.timestamp());
                exceptions.add(x);
                if (((Number) c.getOrDefault("severity", 0)).intValue() == 0 && fatalType == null) {
                    fatalType = String.valueOf(c.get("type"));
                    if (state.compareTo(JobState.CLEANUP) < 0) {
                        state = JobState.CLEANUP;
                    }
                }
            }
            case "finish" -> {
                exitcode = ((Number) c.getOrDefault("status", 0)).intValue();
                if (state == JobState.RUN) {
                    state = JobState.CLEANUP;
                }
            }
            case "free" -> freed = true;
            case "clean" -> {
                state = JobState.INACTIVE;
                tInactive = e.timestamp();
                spec = spec.withoutEnv();
            }
            default -> { } // release and others: history only
        }
    }

    long id() {
        return id;
    }

    int userid() {
        return userid;
    }

    JobSpec spec() {
        return spec;
    }

    List<JobEvent> events() {
        return Collections.unmodifiableList(events);
    }

    JobState state() {
        return state;
    }

    Map<Integer, Integer> alloc() {
        return alloc;
    }

    boolean started() {
        return started;
    }

    boolean freed() {
        return freed;
    }

    boolean fatal() {
        return fatalType != null;
    }

    Integer exitcode() {
        return exitcode;
    }

    double tSubmit() {
        return tSubmit;
    }

    Double tRun() {
        return tRun;
    }

    Double tInactive() {
        return tInactive;
    }

    List<Map<String, Object>> exceptions() {
        return Collections.unmodifiableList(exceptions);
    }

    /** COMPLETED, FAILED, CANCELED or EXCEPTION once inactive; null before. */
    String result() {
        if (state != JobState.INACTIVE) {
            return null;
        }
        if (fatalType != null) {
            return fatalType.equals("cancel") ? "CANCELED" : "EXCEPTION";
        }
        return exitcode != null && exitcode == 0 ? "COMPLETED" : "FAILED";
    }

    // ---- node progress ----

    /**
     * Records that {@code rank}'s tasks ended with {@code status} (the largest), having used
     * {@code used} there (null: not measured); false if known already.
     */
    boolean finished(int rank, int status, NodeUsage used) {
        if (!alloc.containsKey(rank) || finished.containsKey(rank) || excused.contains(rank)) {
            return false;
        }
        finished.put(rank, status);
        if (used != null) {
            usage.put(rank, used);
        }
        return true;
    }

    /** What the job used on each node that reported it. */
    Map<Integer, NodeUsage> usage() {
        return Collections.unmodifiableMap(usage);
    }

    /** Records that {@code rank} released the job (epilog done); false if known already. */
    boolean released(int rank) {
        if (!alloc.containsKey(rank) || excused.contains(rank)) {
            return false;
        }
        return released.add(rank);
    }

    /** {@code rank} will never report again: counts as finished and released. False if it had. */
    boolean excuse(int rank) {
        if (!alloc.containsKey(rank) || released.contains(rank)) {
            return false;
        }
        return excused.add(rank);
    }

    /** Ranks that released the job (not those excused). */
    List<Integer> releasedRanks() {
        return List.copyOf(released);
    }

    boolean holds(int rank) {
        return alloc.containsKey(rank) && !released.contains(rank) && !excused.contains(rank);
    }

    boolean hasFinished(int rank) {
        return finished.containsKey(rank) || excused.contains(rank);
    }

    /** {@code rank} was given up (lost, shut down) without reporting: the job may still run there. */
    boolean abandoned(int rank) {
        return excused.contains(rank) && !finished.containsKey(rank);
    }

    boolean allFinished() {
        return !alloc.isEmpty() && alloc.keySet().stream().allMatch(this::hasFinished);
    }

    boolean allReleased() {
        return alloc.keySet().stream().allMatch(r -> released.contains(r) || excused.contains(r));
    }

    /** The largest exit status reported so far (0 when none). */
    int largestStatus() {
        return finished.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Ranks that still hold part of the job (not released, not excused). */
    List<Integer> holding() {
        return alloc.keySet().stream().filter(this::holds).toList();
    }

    /** Ranks whose tasks have not ended. */
    List<Integer> running() {
        return alloc.keySet().stream().filter(r -> !hasFinished(r)).toList();
    }
}
