package io.canopy.modules.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of one job this node runs: its task processes, their exit statuses, the output not yet
 * reported, and its reports to job-manager. A task counts as ended once its process has exited and
 * its output pipes are closed, so that all its output is reported before the job's end. Used on
 * job-exec's module thread only.
 */
final class LocalJob {
    /** Output kept before it is sent: a report at least every {@link #FLUSH_BYTES} characters. */
    static final int FLUSH_BYTES = 64 * 1024;

    private final StartRequest spec;
    private final ReportQueue reports;
    private final Map<Integer, Process> tasks = new TreeMap<>();
    private final Map<Integer, Integer> waitingOn = new HashMap<>(); // task -> exit + open pipes still to come
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private final List<Map<String, Object>> output = new ArrayList<>();
    private int outputSize;
    boolean flushScheduled;
    /** Output reports sent so far, numbered so that job-manager keeps a resent one only once. */
    long outputReports;
    boolean ended;
    boolean finalQueued;

    LocalJob(StartRequest spec, ReportQueue reports) {
        this.spec = spec;
        this.reports = reports;
    }

    StartRequest spec() {
        return spec;
    }

    long id() {
        return spec.id();
    }

    ReportQueue reports() {
        return reports;
    }

    /** Adds a started task; {@code pipes} is how many of its output streams come back through pipes. */
    void add(int task, Process p, int pipes) {
        tasks.put(task, p);
        waitingOn.put(task, 1 + pipes);
    }

    Map<Integer, Process> tasks() {
        return tasks;
    }

    /** One of the task's events (its exit, or the end of one of its pipes); true when all tasks have ended. */
    boolean taskEvent(int task) {
        waitingOn.merge(task, -1, Integer::sum);
        return waitingOn.values().stream().allMatch(n -> n <= 0);
    }

    void exited(int task, int status) {
        statuses.put(task, status);
    }

    /** Processes still alive. */
    List<Process> alive() {
        return tasks.values().stream().filter(Process::isAlive).toList();
    }

    /** Keeps a chunk of output; true when enough is kept to send it now. */
    boolean output(int task, String stream, String data) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("task", task);
        c.put("stream", stream);
        c.put("data", data);
        output.add(c);
        outputSize += data.length();
        return outputSize >= FLUSH_BYTES;
    }

    /** The output kept so far, handed over (and forgotten here). */
    List<Map<String, Object>> takeOutput() {
        List<Map<String, Object>> out = List.copyOf(output);
        output.clear();
        outputSize = 0;
        return out;
    }

    List<Map<String, Object>> statusList() {
        List<Map<String, Object>> l = new ArrayList<>();
        statuses.forEach((t, s) -> l.add(Map.of("task", t, "status", s)));
        return l;
    }
}
