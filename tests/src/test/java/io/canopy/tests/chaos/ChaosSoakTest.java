package io.canopy.tests.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import io.canopy.tests.harness.Rpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's worst day, seeded: eight real brokers (fanout 2 or 3; keepalive 200 ms, torpid
 * 1 s, lost 3 s; {@code drain_on_lost}; the leader and the routers excluded from jobs), a steady
 * stream of jobs submitted through every broker ({@link JobStream}), and one fault after another,
 * each 10 ms to 1 s after a drain or undrain: {@code kill -9} of a leaf, a router or the leader;
 * SIGSTOP of a leaf, a router or the leader for 4-6 s past {@code lost_timeout}; a service-only
 * shutdown; each broker started again (or continued). After every fault the leader's overlay and
 * resource views must converge to the truth within {@link #CONVERGE}, and every drain made must
 * still be there, unchanged. At the end every submission has one job, every job ended exactly once
 * with its real exit status or an exception naming the fault, no task ran twice, and nothing is
 * left running.
 *
 * <p>{@code -Dchaos.minutes=N} (default 1.5: the short version in the suite) sets how long faults
 * go on; {@code -Dchaos.seed=S} replays a run's schedule (the seed is printed, and named in any
 * failure); {@code -Dchaos.fanout=2|3} fixes the tree (default: chosen by the seed);
 * {@code -Dchaos.rundir=DIR} keeps the brokers' directories (their logs) under it. The figures
 * (jobs by result, faults by kind, recovery time per kind) are printed at the end; the long run's
 * are in docs/reliability.md.
 */
class ChaosSoakTest {
    private static final int SIZE = 8;
    private static final Duration LOST = Duration.ofSeconds(3);
    /** How long the views may take to converge after a broker is back. */
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** How long every job may take to end once no new one is submitted (sleep 5 jobs behind a 3-node FIFO head). */
    private static final Duration SETTLE = Duration.ofMinutes(4);
    /** The longest a backlog may take to drain once the faults stop (about 3 jobs/s here, 1,500 queued after 30 minutes). */
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(20);

    enum Fault { KILL_LEAF, KILL_ROUTER, KILL_LEADER, STOP_LEAF, STOP_ROUTER, STOP_LEADER, SERVICE_SHUTDOWN }

    @TempDir
    Path dir;

    private long seed;
    private Random random;
    private int fanout;
    private InstanceFixture instance;
    private final Set<Integer> unavailable = ConcurrentHashMap.newKeySet();
    /** rank -> reason of each drain this test made and did not undo. */
    private final Map<Integer, String> drains = new TreeMap<>();
    /** rank -> the drain's time, as first seen, to check it never changes. */
    private final Map<Integer, Double> drainTimes = new HashMap<>();
    private final Map<Fault, List<Double>> recovery = new EnumMap<>(Fault.class);
    private final List<String> notes = new ArrayList<>();
    private int drainChecks;
    private int unplannedLosses;

    @Test
    void anOperatorsWorstDayLosesNoJobNoDrainAndEveryViewConverges() throws Exception {
        seed = Long.getLong("chaos.seed", System.nanoTime());
        double minutes = Double.parseDouble(System.getProperty("chaos.minutes", "1.5"));
        random = new Random(seed);
        fanout = Integer.getInteger("chaos.fanout", 2 + (int) Math.floorMod(seed, 2L));
        System.out.printf("chaos: seed %d (replay with -Dchaos.seed=%d), fanout %d, %.1f minutes of faults%n",
                seed, seed, fanout, minutes);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds((long) (minutes * 60) + 600).plus(DRAIN_LIMIT), () -> soak(minutes));
        } catch (Throwable e) {
            String logs = instance == null ? "" : "\n" + instance.logs();
            throw new AssertionError("chaos seed " + seed + " (replay with -Dchaos.seed=" + seed + " -Dchaos.fanout="
                    + fanout + "): " + e.getMessage() + logs, e);
        } finally {
            if (instance != null) {
                instance.close();
            }
            killLeftovers();
        }
    }

    private void soak(double minutes) throws Exception {
        String routers = "0-" + (lastRouter());
        String keep = System.getProperty("chaos.rundir");
        Path rundir = keep == null ? null : Files.createDirectories(Path.of(keep).resolve("seed-" + seed + "-" + System.currentTimeMillis()));
        instance = InstanceFixture.start(SIZE, fanout, rundir, LOST, """
                [resource]
                drain_on_lost = true
                exclude = "%s"
                [job-exec]
                cores = 2
                """.formatted(routers));
        Path runs = Files.createFile(dir.resolve("runs"));
        Map<Fault, Integer> done = new EnumMap<>(Fault.class);
        long deadline = System.nanoTime() + (long) (minutes * 60e9);
        try (JobStream jobs = new JobStream(random, runs, SIZE, r -> !unavailable.contains(r)
                && instance.process(r).isAlive(), instance::socket)) {
            jobs.start();
            List<Fault> order = new ArrayList<>(List.of(Fault.values()));
            Collections.shuffle(order, random); // each kind once first, then at random
            while (System.nanoTime() < deadline) {
                Fault f = order.isEmpty() ? Fault.values()[random.nextInt(Fault.values().length)] : order.remove(0);
                changeADrain();
                pause(Duration.ofMillis(10 + random.nextInt(990)));
                int target = apply(f);
                done.merge(f, 1, Integer::sum);
                checkDrains(f, target);
            }
            jobs.stop();
            undrainAll();
            settle(jobs, runs);
        } finally {
            System.out.println(summary(done)); // the figures so far, also when the soak failed
        }
    }

    // ---- the tree ----

    private int parent(int rank) {
        return rank == 0 ? -1 : (rank - 1) / fanout;
    }

    private boolean isRouter(int rank) {
        return rank * fanout + 1 < SIZE;
    }

    private int lastRouter() {
        int last = 0;
        for (int r = 0; r < SIZE; r++) {
            if (isRouter(r)) {
                last = r;
            }
        }
        return last;
    }

    private List<Integer> leaves() {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < SIZE; r++) {
            if (!isRouter(r)) {
                out.add(r);
            }
        }
        return out;
    }

    private int pick(List<Integer> ranks) {
        return ranks.get(random.nextInt(ranks.size()));
    }

    // ---- faults ----

    /** Carries out one fault and brings the instance back; returns the rank it hit (-1: several). */
    private int apply(Fault f) throws IOException {
        List<Integer> routers = new ArrayList<>();
        for (int r = 1; r < SIZE; r++) {
            if (isRouter(r)) {
                routers.add(r);
            }
        }
        int target = switch (f) {
            case KILL_LEAF, STOP_LEAF -> pick(leaves());
            case KILL_ROUTER, STOP_ROUTER -> pick(routers);
            case KILL_LEADER, STOP_LEADER -> 0;
            case SERVICE_SHUTDOWN -> -1;
        };
        long t0;
        switch (f) {
            case KILL_LEAF, KILL_ROUTER, KILL_LEADER -> {
                unavailable.add(target);
                instance.kill(target);
                pause(Duration.ofMillis(200 + random.nextInt(1800)));
                instance.relaunch(target);
                t0 = System.nanoTime();
            }
            case STOP_LEAF, STOP_ROUTER, STOP_LEADER -> {
                unavailable.add(target);
                instance.freeze(target);
                pause(LOST.plusMillis(4000 + random.nextInt(2000)));
                instance.thaw(target);
                t0 = System.nanoTime();
            }
            default -> {
                List<Integer> services = new ArrayList<>(routers);
                services.add(0);
                unavailable.addAll(services);
                long s0 = System.nanoTime();
                Cli.Result r = instance.cli().withTimeout(Duration.ofSeconds(60)).run("shutdown", "--service-only");
                if (r.exitCode() != 0) {
                    throw new AssertionError("service-only shutdown failed: " + r);
                }
                services.forEach(instance::awaitExit);
                notes.add(String.format("service-only shutdown took %.1f s", (System.nanoTime() - s0) / 1e9));
                Collections.shuffle(services, random); // the service nodes come back in any order
                t0 = System.nanoTime();
                for (int s : services) {
                    instance.relaunch(s);
                }
            }
        }
        awaitConverged(f, target);
        double took = (System.nanoTime() - t0) / 1e9;
        recovery.computeIfAbsent(f, k -> new ArrayList<>()).add(took);
        if (took > 15) {
            notes.add(String.format("slow recovery: %s of rank %d took %.1f s (load average %.1f)", f, target, took,
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        }
        unavailable.clear();
        return target;
    }

    /** Every broker runs and is online at its parent, and the leader's resource view says so too. */
    private void awaitConverged(Fault f, int target) {
        try {
            await(f + " of rank " + target + ": the views converge").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .until(this::converged);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; now: " + views(), e);
        }
    }

    private boolean converged() throws IOException, RpcException {
        for (int r = 0; r < SIZE; r++) {
            if (!Rpc.state(instance.socket(r)).equals("run")) {
                return false;
            }
            if (r > 0 && !Rpc.childStatus(instance.socket(parent(r)), r).equals("online")) {
                return false;
            }
        }
        for (JsonNode n : resourceStatus()) {
            if (!n.path("state").asText().equals("online")) {
                return false;
            }
        }
        return true;
    }

    private String views() {
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < SIZE; r++) {
            s.append("rank ").append(r).append(' ').append(Rpc.state(instance.socket(r)));
            if (r > 0) {
                s.append(", at its parent ").append(Rpc.childStatus(instance.socket(parent(r)), r));
            }
            s.append("; ");
        }
        try {
            s.append("resource status: ");
            for (JsonNode n : resourceStatus()) {
                s.append(n.path("rank").asInt()).append('=').append(n.path("state").asText()).append(' ');
            }
        } catch (IOException | RpcException e) {
            s.append(e.getMessage());
        }
        return s.toString();
    }

    private JsonNode resourceStatus() throws IOException, RpcException {
        return Rpc.call(instance.socket(0), "resource.status", 0, null).path("nodes");
    }

    // ---- drains ----

    /**
     * Drains a leaf or undrains one; at most two at a time and always three leaves left, so that
     * three-node jobs can run (with fanout 2 only four of the eight ranks are leaves).
     */
    private void changeADrain() throws IOException, RpcException {
        List<Integer> free = leaves().stream().filter(r -> !drains.containsKey(r)).toList();
        int most = Math.max(1, Math.min(2, leaves().size() - 3));
        if (drains.size() < most && (drains.isEmpty() || random.nextBoolean())) {
            int r = pick(free);
            String reason = "chaos drain " + seed + "." + drainChecks;
            Rpc.call(instance.socket(0), "resource.drain", 0, Map.of("targets", Integer.toString(r), "reason", reason));
            drains.put(r, reason);
        } else {
            int r = pick(new ArrayList<>(drains.keySet()));
            Rpc.call(instance.socket(0), "resource.undrain", 0, Map.of("targets", Integer.toString(r)));
            drains.remove(r);
            drainTimes.remove(r);
        }
    }

    /**
     * Every drain made is there with its reason and first time; a drain with reason {@code lost}
     * may only be on the broker the fault hit (it was lost) and is then undrained, as an operator
     * would; one on a child of a broker that was stopped or killed means the parent condemned a
     * healthy child. Any other is a loss the machine's load caused, counted and undrained.
     */
    private void checkDrains(Fault f, int target) throws IOException, RpcException {
        drainChecks++;
        List<Integer> undo = new ArrayList<>();
        Map<Integer, JsonNode> seen = new HashMap<>();
        for (JsonNode n : resourceStatus()) {
            if (!n.path("drain").isNull()) {
                seen.put(n.path("rank").asInt(), n.path("drain"));
            }
        }
        for (Map.Entry<Integer, String> d : drains.entrySet()) {
            JsonNode got = seen.remove(d.getKey());
            if (got == null || !got.path("reason").asText().equals(d.getValue())) {
                throw new AssertionError("after " + f + ": the drain of rank " + d.getKey() + " (" + d.getValue()
                        + ") is " + (got == null ? "gone" : "now " + got));
            }
            double time = got.path("time").asDouble();
            if (drainTimes.putIfAbsent(d.getKey(), time) != null && drainTimes.get(d.getKey()) != time) {
                throw new AssertionError("after " + f + ": the drain of rank " + d.getKey() + " changed its time: " + got);
            }
        }
        for (Map.Entry<Integer, JsonNode> extra : seen.entrySet()) {
            int r = extra.getKey();
            if (!extra.getValue().path("reason").asText().equals("lost")) {
                throw new AssertionError("after " + f + ": rank " + r + " has a drain nobody made: " + extra.getValue());
            }
            if (target >= 0 && r != target && parent(r) == target) {
                throw new AssertionError("after " + f + " of rank " + target + ": its child rank " + r
                        + " was declared lost and drained");
            }
            if (r != target) {
                unplannedLosses++;
                notes.add("rank " + r + " was lost (and drained) after " + f + " of rank " + target
                        + " without a fault of its own: a starved broker looks lost");
            }
            undo.add(r);
        }
        for (int r : undo) {
            Rpc.call(instance.socket(0), "resource.undrain", 0, Map.of("targets", Integer.toString(r)));
        }
    }

    // ---- the end ----

    /** The operator's drains end with the day, so that every queued job can run; each was kept to the end. */
    private void undrainAll() throws IOException, RpcException {
        for (int r : drains.keySet()) {
            Rpc.call(instance.socket(0), "resource.undrain", 0, Map.of("targets", Integer.toString(r)));
        }
        drains.clear();
        drainTimes.clear();
    }

    /** Every submission answered, every job ended exactly once as it should, no task ran twice. */
    private void settle(JobStream jobs, Path runs) throws IOException, RpcException {
        try {
            await("every submission has its job").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> jobs.submissions().stream().allMatch(s -> s.id != null) || !jobs.errors().isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("submissions never answered: " + jobs.submissions().stream()
                    .filter(s -> s.id == null).map(s -> s.kind + " " + s.key).toList(), e);
        }
        if (!jobs.errors().isEmpty()) {
            throw new AssertionError("submissions refused: " + jobs.errors());
        }
        try {
            awaitTheQueueDrains();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("stranded jobs: " + stranded() + "; the views: " + views() + "; sched.status: "
                    + Rpc.call(instance.socket(0), "sched.status", 0, null) + "; resource.status: " + resourceStatus(), e);
        }
        Map<Long, JsonNode> all = JobStream.jobs(instance.socket(0));
        Map<Long, JobStream.Submission> byId = new HashMap<>();
        for (JobStream.Submission s : jobs.submissions()) {
            if (byId.put(s.id, s) != null) {
                throw new AssertionError("two submissions got job " + s.id);
            }
        }
        Map<String, Long> ranTwice = new TreeMap<>();
        for (String line : Files.readAllLines(runs)) {
            ranTwice.merge(line.strip(), 1L, Long::sum);
        }
        ranTwice.values().removeIf(n -> n == 1);
        if (!ranTwice.isEmpty()) {
            throw new AssertionError("tasks that ran more than once (job.task=count): " + ranTwice);
        }
        Map<String, Integer> results = new TreeMap<>();
        try (CanopyClient leader = CanopyClient.connect(instance.socket(0))) {
            for (Map.Entry<Long, JobStream.Submission> e : byId.entrySet()) {
                JsonNode j = all.get(e.getKey());
                if (j == null) {
                    throw new AssertionError("job " + e.getKey() + " (" + e.getValue().kind + ") is not known");
                }
                results.merge(verdict(leader, j, e.getValue().kind), 1, Integer::sum);
            }
        }
        notes.add("jobs: " + byId.size() + " submitted, " + results);
        notes.add("drain checks: " + drainChecks + " passed; losses without a fault of their own: " + unplannedLosses);
    }

    /**
     * Every job ends. A long soak leaves a backlog (the stream submits faster than four nodes run
     * jobs between faults), so the wait is for progress: it fails when no job has ended for
     * {@link #SETTLE}, or when the backlog has not drained within {@link #DRAIN_LIMIT}.
     */
    private void awaitTheQueueDrains() {
        long[] best = {Long.MAX_VALUE};
        long[] progressAt = {System.nanoTime()};
        await("every job ends").atMost(DRAIN_LIMIT).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    long active = JobStream.jobs(instance.socket(0)).values().stream()
                            .filter(j -> !j.path("state").asText().equals("INACTIVE")).count();
                    if (active < best[0]) {
                        best[0] = active;
                        progressAt[0] = System.nanoTime();
                    } else if (System.nanoTime() - progressAt[0] > SETTLE.toNanos()) {
                        throw new ConditionTimeoutException("no job ended for " + SETTLE.toMinutes() + " minutes; "
                                + active + " still active");
                    }
                    return active == 0;
                });
    }

    /** The job's result if it is one it may end with; fails on a wrong status or a second start or end. */
    private static String verdict(CanopyClient leader, JsonNode j, JobStream.Kind kind) throws RpcException {
        long id = j.path("id").asLong();
        List<String> events = new ArrayList<>();
        for (JsonNode e : Payloads.tree(leader.call("job-manager.eventlog", 0, Map.of("id", id), Duration.ofSeconds(30))
                .payload()).path("events")) {
            events.add(e.path("name").asText());
        }
        for (String once : List.of("start", "finish", "free", "clean")) {
            if (Collections.frequency(events, once) > 1) {
                throw new AssertionError("job " + id + " (" + kind + ") logged " + once + " twice: " + events);
            }
        }
        if (Collections.frequency(events, "clean") != 1) {
            throw new AssertionError("job " + id + " (" + kind + ") did not end once: " + events);
        }
        String result = j.path("result").asText();
        switch (result) {
            case "COMPLETED", "FAILED" -> {
                int want = kind.exitcode;
                if (j.path("exitcode").asInt(-1) != want || !result.equals(want == 0 ? "COMPLETED" : "FAILED")) {
                    throw new AssertionError("job " + id + " (" + kind + ", exit " + want + ") ended " + result
                            + " with exit " + j.path("exitcode") + ": " + j);
                }
                return result;
            }
            case "EXCEPTION" -> {
                for (JsonNode x : j.path("exceptions")) {
                    if (x.path("severity").asInt(1) == 0) {
                        String type = x.path("type").asText();
                        if (!Set.of("node-failure", "node-shutdown", "exec").contains(type) || x.path("note").asText().isBlank()) {
                            throw new AssertionError("job " + id + " (" + kind + ") ended with an unexpected exception: " + j);
                        }
                        return "EXCEPTION " + type;
                    }
                }
                throw new AssertionError("job " + id + " (" + kind + ") is EXCEPTION with no fatal exception: " + j);
            }
            default -> throw new AssertionError("job " + id + " (" + kind + ") ended " + result + ": " + j);
        }
    }

    private String stranded() {
        try {
            return JobStream.jobs(instance.socket(0)).values().stream()
                    .filter(j -> !j.path("state").asText().equals("INACTIVE"))
                    .map(j -> j.path("id").asText() + " " + j.path("state").asText() + " on " + j.path("ranks").asText()
                            + " " + j.path("exceptions"))
                    .collect(Collectors.joining("; "));
        } catch (IOException | RpcException e) {
            return "(cannot list them: " + e.getMessage() + ")";
        }
    }

    private String summary(Map<Fault, Integer> done) {
        StringBuilder s = new StringBuilder("chaos summary (seed " + seed + ", fanout " + fanout + "):\n");
        s.append(String.format("  %-17s %6s %18s %12s%n", "fault", "count", "recovery median", "recovery max"));
        for (Fault f : Fault.values()) {
            List<Double> t = new ArrayList<>(recovery.getOrDefault(f, List.of()));
            Collections.sort(t);
            s.append(String.format("  %-17s %6d %16.1f s %10.1f s%n", f, done.getOrDefault(f, 0),
                    t.isEmpty() ? Double.NaN : t.get(t.size() / 2), t.isEmpty() ? Double.NaN : t.get(t.size() - 1)));
        }
        notes.forEach(n -> s.append("  ").append(n).append('\n'));
        return s.toString();
    }

    /** A planned wait in the fault schedule (how long a broker stays down), bounded like every wait. */
    private static void pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        await().atMost(d.plusSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .until(() -> System.nanoTime() >= until);
    }

    private static void killLeftovers() {
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(JobStream.MARK))
                .forEach(ProcessHandle::destroyForcibly);
    }
}
