package io.canopy.modules.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of one job this node runs: its launcher, its tasks' exit statuses, the output not yet
 * reported, its resource usage, and its reports to job-manager. The job has ended here when its
 * launcher says so (every process gone, all output read). Used on job-exec's module thread only.
 */
final class LocalJob {
    /** Output kept before it is sent: a report at least every {@link #FLUSH_BYTES} characters. */
    static final int FLUSH_BYTES = 64 * 1024;

    private final StartRequest spec;
    private final ReportQueue reports;
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private final List<Map<String, Object>> output = new ArrayList<>();
    private int outputSize;
    private Launch launch;
    private Map<String, Object> usage;
    boolean flushScheduled;
    /** Output reports sent so far, numbered so that job-manager keeps a resent one only once. */
    long outputReports;
    /** The launcher has started every task. */
    boolean running;
    /** The launcher has said the job is over here (or is gone). */
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

    void launched(Launch l) {
        this.launch = l;
    }

    Launch launch() {
        return launch;
    }

    /** True while some process of the job may still be alive here. */
    boolean alive() {
        return launch != null && !ended;
    }

    void exited(int task, int status) {
        statuses.put(task, status);
    }

    /** Tasks whose exit the launcher never reported (it went away): they count as killed. */
    void unreported(int status) {
        spec.tasks().forEach(t -> statuses.putIfAbsent(t, status));
    }

    void usage(long cpuUsec, long memoryPeak, String containment) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("cpu_usec", cpuUsec < 0 ? null : cpuUsec);
        u.put("memory_peak", memoryPeak < 0 ? null : memoryPeak);
        u.put("containment", containment);
        this.usage = u;
    }

    /** CPU time, peak memory and containment here, or null when the launcher did not say. */
    Map<String, Object> usage() {
        return usage;
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
