package io.canopy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.tools.launch.TestInstance;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Job throughput on a test instance of real brokers: {@code N} trivial jobs ({@code true})
 * submitted through the local socket of rank 0, pipelined, timed from the first submission to
 * the last job INACTIVE (end to end) and to the last submission accepted (submit only). A
 * pipelined {@code broker.ping} to rank 0 in the same instance is the baseline the rates are
 * printed against.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.canopy.bench.JobBench [JOBS [BROKERS]]}
 * (default 1000 jobs, 8 brokers). Every wait is bounded.
 */
public final class JobBench {
    private static final int WINDOW = 128;
    /** {@code -Dbench.cores=N}: cores each node offers the scheduler (default: what it has). */
    private static final String CORES = System.getProperty("bench.cores");
    /** {@code -Dbench.containment=MODE}: {@code [job-exec] containment} (auto, cgroup-v1, cgroup-v2, process-group). */
    private static final String CONTAINMENT = System.getProperty("bench.containment");

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int brokers = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        System.out.printf(Locale.ROOT, "JobBench: %d jobs on %d brokers, %d cores, java %s, load %s%n", jobs, brokers,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), load());
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(brokers).fanout(2).timeout(Duration.ofSeconds(180))
                .rundir(System.getProperty("bench.rundir") == null ? null : java.nio.file.Path.of(System.getProperty("bench.rundir")))
                .extraToml("[job-exec]\n" + (CORES == null ? "" : "cores = " + CORES + "\n")
                        + (CONTAINMENT == null ? "" : "containment = \"" + CONTAINMENT + "\"\n")));
                CanopyClient c = CanopyClient.connect(in.socket(0))) {
            awaitCores(c, brokers);
            run(c, Math.min(200, jobs)); // warm up
            double ping = ping(c, 20_000);
            double spawn = spawn(jobs);
            double[] r = run(c, jobs);
            System.out.printf(Locale.ROOT, "containment: %s; ", CONTAINMENT == null ? "auto" : CONTAINMENT);
            System.out.printf(Locale.ROOT, "cores per node: %s; submit only: %.0f jobs/s; end to end (submit to INACTIVE): "
                    + "%.0f jobs/s (target 500)%n  baselines in this run: broker.ping to rank 0 %.0f req/s (a job costs "
                    + "%.0f pings); `setsid true` started from one JVM, 16 at a time: %.0f processes/s (jobs end to end = "
                    + "%.0f%% of that)%n", CORES == null ? "detected" : CORES, r[0], r[1], ping, ping / r[1], spawn,
                    100 * r[1] / spawn);
        }
    }

    /** Submits {@code n} jobs, waits for all; returns {submit rate, end-to-end rate}. */
    static double[] run(CanopyClient c, int n) throws Exception {
        Map<String, String> env = new TreeMap<>(System.getenv());
        Semaphore window = new Semaphore(WINDOW);
        CompletableFuture<?>[] done = new CompletableFuture<?>[n];
        long t0 = System.nanoTime();
        long[] submitted = {0};
        for (int i = 0; i < n; i++) {
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no answer for 60 s with " + WINDOW + " submissions in flight");
            }
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("command", List.of("true"));
            spec.put("ntasks", 1);
            spec.put("cwd", "/tmp");
            spec.put("env", env);
            spec.put("key", UUID.randomUUID().toString());
            done[i] = c.send(Message.request("job-manager.submit", 0, 0, Payloads.encode(spec))).thenCompose(m -> {
                window.release();
                synchronized (submitted) {
                    submitted[0] = System.nanoTime();
                }
                JsonNode id = tree(m).path("id");
                return c.send(Message.request("job-manager.wait", 0, 0, Payloads.encode(Map.of("id", id.asLong()))));
            }).thenAccept(m -> {
                String result = tree(m).path("result").asText();
                if (!result.equals("COMPLETED")) {
                    throw new IllegalStateException("a job ended " + result + ": " + tree(m));
                }
            });
        }
        CompletableFuture.allOf(done).get(300, TimeUnit.SECONDS);
        long t1 = System.nanoTime();
        return new double[] {n / ((submitted[0] - t0) / 1e9), n / ((t1 - t0) / 1e9)};
    }

    /** How fast this machine starts and reaps the processes a job of {@code true} needs, from one JVM. */
    private static double spawn(int n) throws Exception {
        java.util.ArrayDeque<Process> running = new java.util.ArrayDeque<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            running.add(new ProcessBuilder("setsid", "true").start());
            if (running.size() >= 16 && !running.poll().waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("`setsid true` did not end within 30 s");
            }
        }
        for (Process p : running) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static double ping(CanopyClient c, int n) throws Exception {
        Semaphore window = new Semaphore(256);
        CompletableFuture<?>[] all = new CompletableFuture<?>[n];
        byte[] body = Payloads.encode(Map.of("p", "x"));
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no ping answer for 30 s");
            }
            all[i] = c.send(Message.request("broker.ping", 0, 0, body)).whenComplete((m, e) -> window.release());
        }
        CompletableFuture.allOf(all).get(120, TimeUnit.SECONDS);
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** Waits until job-exec on every broker told the scheduler its cores (a 1-task job per broker runs). */
    static void awaitCores(CanopyClient c, int brokers) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Message m = c.send(Message.request("resource.status", 0, 0, Payloads.encode(Map.of()))).get(30, TimeUnit.SECONDS);
            long online = 0;
            for (JsonNode n : tree(m).path("nodes")) {
                online += n.path("state").asText().equals("online") ? 1 : 0;
            }
            if (online == brokers) {
                return;
            }
            Thread.sleep(100); // bounded poll of a benchmark set-up, not a test
        }
        throw new IllegalStateException("not every broker was online within 60 s");
    }

    private static JsonNode tree(Message m) {
        if (m.isError()) {
            throw new IllegalStateException(m.topic() + ": " + m.errstr());
        }
        try {
            return Payloads.tree(m.payload());
        } catch (io.canopy.module.RpcException e) {
            throw new IllegalStateException(e);
        }
    }

    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
