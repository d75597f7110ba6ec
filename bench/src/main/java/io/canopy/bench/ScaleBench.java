package io.canopy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.module.Checkpoint;
import io.canopy.module.Payloads;
import io.canopy.modules.job.JobRecord;
import io.canopy.modules.job.JobSpec;
import io.canopy.statestore.DurableStore;
import io.canopy.tools.launch.JavaCommand;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What an instance of many real brokers costs and how fast it acts, at several sizes and tree
 * shapes, on one machine: every broker with its own JeroMQ overlay (CURVE, its own loopback
 * address), local socket and modules, packed {@code bench.scale.perProcess} (32) to a JVM, the
 * leader in a JVM of its own. For each size ({@code bench.scale.sizes}: 64, 256, 1024) and fanout
 * ({@code bench.scale.fanouts}: 2, 32, flat, i.e. every broker a child of rank 0) it prints: start
 * to every broker in {@code run} and to every node online at the leader; memory per broker; the
 * leader's idle CPU; {@code canopy overlay status} and {@code resource status} wall time and
 * output; a rack (the last 32 ranks, one JVM) stopped at once, the time until the leader sees all
 * 32 torpid and then lost, any other rank seen not online meanwhile (a false loss), then the time
 * until they are back; {@code resource
 * drain} of 1,000 nodes in one command; a job on every node; trivial jobs/s against the same
 * figure on 8 brokers measured first in the same run; a full shutdown with every checkpoint handed
 * up. Last, a leader restart with {@code bench.scale.storeJobs} (100,000) inactive jobs in its
 * store. Heartbeats: keepalive 1 s, torpid 5 s, lost {@code bench.scale.lostMs} (10,000 ms).
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.canopy.bench.ScaleBench}, as root
 * or not; about 30 minutes for every size and shape on 2 cores. Every wait is bounded.
 */
public final class ScaleBench {
    private static final Duration CALL = Duration.ofSeconds(120);
    private static final int PER_JVM = Integer.getInteger("bench.scale.perProcess", 32);
    private static final int RACK = 32;
    private static final Duration LOST = Duration.ofMillis(Long.getLong("bench.scale.lostMs", 10_000));
    private static final int JOBS = Integer.getInteger("bench.scale.jobs", 500);
    private static final long CLK_TCK = 100;

    private ScaleBench() {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = ints(System.getProperty("bench.scale.sizes", "64,256,1024"));
        List<String> fanouts = Arrays.stream(System.getProperty("bench.scale.fanouts", "2,32,flat").split(","))
                .map(String::strip).toList();
        int storeJobs = Integer.getInteger("bench.scale.storeJobs", 100_000);
        say("ScaleBench: sizes %s, fanouts %s, %d brokers per JVM (the leader alone), lost_timeout %.0f s, %d CPUs, "
                + "%.1f GiB; java %s; load %s", sizes, fanouts, PER_JVM, LOST.toMillis() / 1e3,
                Runtime.getRuntime().availableProcessors(), memTotalGiB(), System.getProperty("java.version"),
                JobBench.load());
        double base = baseline();
        for (int size : sizes) {
            for (String f : fanouts) {
                try {
                    one(size, f, base);
                } catch (Exception e) {
                    say("  FAILED: %s", e);
                }
            }
        }
        if (storeJobs > 0) {
            storeRestart(storeJobs);
        }
    }

    /** Trivial jobs/s on 8 brokers, fanout 2, a JVM each: what the larger instances are compared with. */
    private static double baseline() throws Exception {
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(8).fanout(2).timeout(Duration.ofSeconds(180)));
                CanopyClient c = CanopyClient.connect(in.socket(0))) {
            JobBench.awaitCores(c, 8);
            JobBench.run(c, Math.min(100, JOBS));
            double[] r = JobBench.run(c, JOBS);
            say("baseline, 8 brokers (fanout 2): %d trivial jobs: %.0f jobs/s end to end (submit only %.0f/s)", JOBS,
                    r[1], r[0]);
            return r[1];
        }
    }

    private static void one(int size, String fanout, double baseRate) throws Exception {
        int fan = fanout.equals("flat") ? Math.max(1, size - 1) : Integer.parseInt(fanout);
        say("%n== %d brokers, fanout %s (%d), load %s", size, fanout, fan, JobBench.load());
        Path dir = Files.createTempDirectory("canopy-scale-");
        TestInstance.Options o = TestInstance.Options.of(size).fanout(fan).brokersPerProcess(Math.min(PER_JVM, size))
                .leaderAlone(true).heartbeats(Duration.ofSeconds(1), Duration.ofSeconds(5), LOST)
                .timeout(Duration.ofMinutes(20)).rundir(dir);
        long t0 = System.nanoTime();
        try (TestInstance in = TestInstance.start(o); CanopyClient c = CanopyClient.connect(in.socket(0))) {
            double run = since(t0);
            awaitStates(c, size, Set.of(), Duration.ofMinutes(10));
            say("start: every broker in run after %.1f s, every node online at the leader after %.1f s (load %s)",
                    run, since(t0), JobBench.load());
            memory(in);
            idleCpu(in);
            statusCommands(in, c);
            rack(in, c, size);
            drain(in, c, size);
            jobOnEveryNode(c, size);
            double[] r = JobBench.run(c, JOBS);
            say("trivial jobs: %d: %.0f jobs/s end to end (submit only %.0f/s) = %.0f%% of the 8-broker figure", JOBS,
                    r[1], r[0], 100 * r[1] / baseRate);
            shutdown(in);
        } finally {
            if (Boolean.getBoolean("bench.scale.keep")) {
                say("  kept %s", dir);
            } else {
                TestInstance.deleteTree(dir);
            }
        }
    }

    private static void memory(TestInstance in) throws IOException {
        Set<Process> jvms = jvms(in);
        long rss = 0;
        long threads = 0;
        for (Process p : jvms) {
            rss += status(p.pid(), "VmRSS:");
            threads += status(p.pid(), "Threads:");
        }
        long leader = status(in.process(0).pid(), "VmRSS:");
        say("memory: %d JVMs, %.0f MiB resident in all (%.1f MiB a broker), the leader's JVM %.0f MiB; %d threads "
                + "(%.1f a broker)", jvms.size(), rss / 1024.0, rss / 1024.0 / in.size(), leader / 1024.0, threads,
                (double) threads / in.size());
    }

    private static void idleCpu(TestInstance in) throws Exception {
        Set<Process> jvms = jvms(in);
        long leader0 = ticks(in.process(0).pid());
        long all0 = 0;
        for (Process p : jvms) {
            all0 += ticks(p.pid());
        }
        long t0 = System.nanoTime();
        Thread.sleep(10_000); // the instance idles; only its heartbeats run
        double secs = since(t0);
        long all1 = 0;
        for (Process p : jvms) {
            all1 += ticks(p.pid());
        }
        double leaderPct = 100.0 * (ticks(in.process(0).pid()) - leader0) / CLK_TCK / secs;
        double allPct = 100.0 * (all1 - all0) / CLK_TCK / secs;
        say("idle CPU over %.0f s: the leader %.1f%% of a core; every broker together %.1f%% (%.3f%% a broker)", secs,
                leaderPct, allPct, allPct / in.size());
    }

    private static void statusCommands(TestInstance in, CanopyClient c) throws Exception {
        Cli base = cli(in, "uptime");
        say("`canopy uptime` (the CLI's own start, one request): %.2f s", base.seconds);
        for (List<String> cmd : List.of(List.of("overlay", "status"), List.of("resource", "status"),
                List.of("resource", "list"))) {
            Cli r = cli(in, cmd.toArray(String[]::new));
            List<String> lines = r.output.lines().toList();
            int widest = lines.stream().mapToInt(String::length).max().orElse(0);
            say("`canopy %s`: %.2f s (exit %d), %d lines, widest %d characters:", String.join(" ", cmd), r.seconds,
                    r.exit, lines.size(), widest);
            lines.stream().limit(8).forEach(l -> say("    | %s", l));
            if (lines.size() > 8) {
                say("    | ... (%d more)", lines.size() - 8);
            }
        }
        long t0 = System.nanoTime();
        c.call("resource.status", 0, Map.of(), CALL);
        say("resource.status request alone (no JVM start): %.0f ms", since(t0) * 1e3);
    }

    /** Stops the JVM of the last 32 ranks (no FIN, as a rack that lost power), then kills and starts it again. */
    private static void rack(TestInstance in, CanopyClient c, int size) throws Exception {
        int first = size - RACK;
        Process jvm = in.process(size - 1);
        if (size < 2 * RACK || in.process(first) != jvm || in.process(first - 1) == jvm) {
            say("rack: skipped (the last %d ranks do not make a JVM of their own at this size)", RACK);
            return;
        }
        Set<Integer> rack = new TreeSet<>();
        for (int r = first; r < size; r++) {
            rack.add(r);
        }
        signal("STOP", jvm.pid());
        long t0 = System.nanoTime();
        Map<Integer, String> elsewhere = new TreeMap<>(); // ranks outside the rack seen other than online
        double silent = -1;
        double lost = -1;
        long deadline = t0 + LOST.toNanos() * 4;
        while (System.nanoTime() < deadline) {
            Map<Integer, String> states = states(c);
            states.forEach((r, s) -> {
                if (!rack.contains(r) && !s.equals("online")) {
                    elsewhere.merge(r, s, (a, b) -> a.equals(b) ? a : a + "," + b);
                }
            });
            if (silent < 0 && rack.stream().noneMatch(r -> states.get(r).equals("online"))) {
                silent = since(t0);
            }
            if (rack.stream().allMatch(r -> states.get(r).equals("lost") || states.get(r).equals("offline"))) {
                lost = since(t0);
                break;
            }
            Thread.sleep(100); // bounded by the deadline
        }
        jvm.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        long t1 = System.nanoTime();
        in.restart(first, size - 1);
        awaitStates(c, size, Set.of(), Duration.ofMinutes(5));
        double lostSecs = LOST.toMillis() / 1e3;
        say("rack: ranks %d-%d (one JVM) stopped at once: all %d torpid or worse at the leader after %s, all lost "
                + "after %s (lost_timeout %.0f s: %s); other ranks seen not online meanwhile: %s; killed and started "
                + "again: all online after %.1f s", first, size - 1, RACK, secs(silent), secs(lost), lostSecs,
                lost < 0 ? "NOT within 4x" : String.format(Locale.ROOT, "%.2fx", lost / lostSecs),
                elsewhere.isEmpty() ? "none" : elsewhere, since(t1));
    }

    private static String secs(double s) {
        return s < 0 ? "never" : String.format(Locale.ROOT, "%.1f s", s);
    }

    private static void drain(TestInstance in, CanopyClient c, int size) throws Exception {
        int last = Math.min(1000, size - 1);
        String targets = "1-" + last;
        Cli d = cli(in, "resource", "drain", targets, "scale", "benchmark");
        long drained = 0;
        for (JsonNode n : tree(c.call("resource.status", 0, Map.of(), CALL).payload()).path("nodes")) {
            drained += n.path("drain").isNull() || n.path("drain").isMissingNode() ? 0 : 1;
        }
        Cli u = cli(in, "resource", "undrain", targets);
        say("`canopy resource drain %s` (%d nodes): %.2f s (exit %d), %d drained after it; undrain: %.2f s (exit %d)",
                targets, last, d.seconds, d.exit, drained, u.seconds, u.exit);
    }

    private static void jobOnEveryNode(CanopyClient c, int size) throws Exception {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("command", List.of("true"));
        spec.put("nnodes", size);
        spec.put("ntasks", size);
        spec.put("cwd", "/tmp");
        spec.put("env", new TreeMap<>(System.getenv()));
        spec.put("key", UUID.randomUUID().toString());
        long id = tree(c.call("job-manager.submit", 0, spec, CALL).payload()).path("id").asLong();
        String result = tree(c.call("job-manager.wait", 0, Map.of("id", id), Duration.ofMinutes(10)).payload())
                .path("result").asText();
        Map<String, Double> at = new LinkedHashMap<>();
        for (JsonNode e : tree(c.call("job-manager.eventlog", 0, Map.of("id", id), CALL).payload()).path("events")) {
            at.putIfAbsent(e.path("name").asText(), e.path("timestamp").asDouble());
        }
        say("a job on all %d nodes (%s): submit to alloc %s, alloc to start (every task running) %s, start to finish "
                + "%s, finish to INACTIVE %s; in all %s", size, result, gap(at, "submit", "alloc"),
                gap(at, "alloc", "start"), gap(at, "start", "finish"), gap(at, "finish", "clean"),
                gap(at, "submit", "clean"));
    }

    private static void shutdown(TestInstance in) throws Exception {
        Set<Process> jvms = jvms(in);
        long t0 = System.nanoTime();
        Cli s = cli(in, "shutdown", "--quiet");
        double cmd = since(t0);
        for (Process p : jvms) {
            p.waitFor(10, TimeUnit.MINUTES);
        }
        long alive = jvms.stream().filter(Process::isAlive).count();
        say("full shutdown (each broker hands its checkpoint up): `canopy shutdown` %.1f s (exit %d), every JVM gone "
                + "after %.1f s%s", cmd, s.exit, since(t0), alive == 0 ? "" : " (" + alive + " JVMs still up)");
    }

    /**
     * The leader killed, {@code n} inactive jobs written into its store (copies of a real job's record,
     * each its own id and key), and the leader started again: its time to {@code run} and until
     * job-manager answers with every job.
     */
    private static void storeRestart(int n) throws Exception {
        say("%n== leader restart with %,d inactive jobs in its store (8 brokers), load %s", n, JobBench.load());
        Path dir = Files.createTempDirectory("canopy-scale-");
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(8).fanout(2).brokersPerProcess(7)
                .leaderAlone(true).timeout(Duration.ofMinutes(5)).rundir(dir));
                CanopyClient c = CanopyClient.connect(in.socket(0))) {
            JobBench.awaitCores(c, 8);
            JobBench.run(c, 20); // each answered once committed
            Process leader = in.process(0);
            leader.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
            Path state = in.brokerDirectory(0).resolve("state");
            long t0 = System.nanoTime();
            int size = 0;
            try (DurableStore store = DurableStore.open(state)) {
                Checkpoint area = store.area("job-manager");
                String key = area.keys().stream().filter(k -> k.startsWith("job.")).findFirst().orElseThrow();
                JobRecord model = area.get(key, JobRecord.class).orElseThrow();
                long next = area.get("next-id", Long.class).orElseThrow();
                for (int i = 0; i < n; i++) {
                    long id = next + i;
                    JobSpec s = model.spec();
                    JobSpec copy = new JobSpec(s.command(), s.nnodes(), s.ntasks(), s.cwd(), s.env(), s.output(),
                            s.error(), s.name(), UUID.randomUUID().toString());
                    byte[] record = Payloads.encode(new JobRecord(id, model.userid(), copy, model.events(),
                            model.finished(), model.released(), model.excused(), model.usage()));
                    size = record.length;
                    area.putBytes("job." + id, record);
                    if (i % 10_000 == 9_999) {
                        area.commit();
                    }
                }
                area.put("next-id", next + n);
                area.commit();
            }
            say("the leader killed; %,d inactive job records (%,d bytes each, copies of a real one) written into its "
                    + "store in %.1f s; the store is %.0f MiB", n, size, since(t0),
                    Files.size(state.resolve(DurableStore.FILE_NAME)) / 1048576.0);
            t0 = System.nanoTime();
            in.restart(0);
            in.awaitRun(0, Duration.ofMinutes(10));
            double run = since(t0);
            try (CanopyClient c2 = CanopyClient.connect(in.socket(0))) {
                long t1 = System.nanoTime();
                JsonNode stats = tree(c2.call("job-manager.stats", 0, Map.of(), CALL).payload());
                say("the leader in run %.1f s after its start; job-manager.stats then: %.0f ms, total %d; the leader's "
                        + "JVM %.0f MiB resident", run, since(t1) * 1e3, stats.path("total").asLong(),
                        status(in.process(0).pid(), "VmRSS:") / 1024.0);
                restoredLine(in.brokerDirectory(0)).ifPresent(l -> say("    | %s", l));
                JobBench.awaitCores(c2, 8);
                t1 = System.nanoTime();
                JobBench.run(c2, 1);
                say("then one job: %.2f s submit to INACTIVE (its end purges the inactive jobs beyond "
                        + "inactive_limit, 10,000 by default)", since(t1));
                t1 = System.nanoTime();
                long total = tree(c2.call("job-manager.stats", 0, Map.of(), CALL).payload()).path("total").asLong();
                say("job-manager.stats after it: %.0f ms, total %d", since(t1) * 1e3, total);
            }
        } finally {
            TestInstance.deleteTree(dir);
        }
    }

    private static java.util.Optional<String> restoredLine(Path brokerDir) throws IOException {
        Path log = brokerDir.resolve("broker.log");
        if (!Files.exists(log)) {
            return java.util.Optional.empty();
        }
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains("job(s) restored")).reduce((a, b) -> b);
        }
    }

    /** Waits until every rank's state at the leader is online, except {@code notOnline}, which must not be. */
    private static void awaitStates(CanopyClient c, int size, Set<Integer> notOnline, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        Map<Integer, String> last = Map.of();
        while (System.nanoTime() < deadline) {
            last = states(c);
            boolean done = last.size() == size;
            for (Map.Entry<Integer, String> e : last.entrySet()) {
                done &= e.getValue().equals("online") != notOnline.contains(e.getKey());
            }
            if (done) {
                return;
            }
            Thread.sleep(200); // bounded by the deadline
        }
        Map<String, List<Integer>> byState = new TreeMap<>();
        last.forEach((r, s) -> byState.computeIfAbsent(s, k -> new ArrayList<>()).add(r));
        throw new IllegalStateException("the leader's view did not converge within " + limit.toSeconds() + " s: "
                + byState.keySet() + " " + byState.values().stream().map(List::size).toList());
    }

    private static Map<Integer, String> states(CanopyClient c) throws Exception {
        Map<Integer, String> out = new TreeMap<>();
        for (JsonNode n : tree(c.call("resource.status", 0, Map.of(), CALL).payload()).path("nodes")) {
            out.put(n.path("rank").asInt(), n.path("state").asText());
        }
        return out;
    }

    /** A CLI command run as an operator would: its own JVM, {@code CANOPY_URI} of rank 0. */
    private record Cli(double seconds, int exit, String output) {}

    private static Cli cli(TestInstance in, String... args) throws Exception {
        Path out = Files.createTempFile("canopy-scale-cli", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(JavaCommand.canopy(List.of("-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC"), List.of(args))).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("CANOPY_URI", in.uri());
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("canopy " + String.join(" ", args) + " did not end within 10 minutes");
            }
            return new Cli(since(t0), p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Set<Process> jvms(TestInstance in) {
        Set<Process> all = new LinkedHashSet<>();
        for (int r = 0; r < in.size(); r++) {
            all.add(in.process(r));
        }
        return all;
    }

    /** A number from {@code /proc/PID/status} (kB for memory). */
    private static long status(long pid, String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith(field)) {
                return Long.parseLong(l.substring(field.length()).strip().split("\\s+")[0]);
            }
        }
        return 0;
    }

    /** utime + stime of a process, in clock ticks. */
    private static long ticks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + pid + " failed");
        }
    }

    private static String gap(Map<String, Double> at, String from, String to) {
        Double a = at.get(from);
        Double b = at.get(to);
        return a == null || b == null ? "-" : String.format(Locale.ROOT, "%.2f s", b - a);
    }

    private static JsonNode tree(byte[] payload) throws Exception {
        return Payloads.tree(payload);
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double memTotalGiB() {
        try {
            return Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\D", "")) / 1048576.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).map(Integer::parseInt).toList();
    }

    private static void say(String format, Object... args) {
        System.out.printf(Locale.ROOT, format + "%n", args);
    }

}
