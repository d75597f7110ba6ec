package io.canopy.bench;

import io.canopy.broker.MemoryStateKeeper;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.statestore.CheckpointFile;
import io.canopy.statestore.CheckpointFormat;
import io.canopy.statestore.Snapshot;
import io.canopy.tools.launch.TestInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Multi-broker figures, each printed next to a baseline from the same run: raw JeroMQ
 * DEALER-&gt;ROUTER throughput (plain and CURVE) against requests forwarded one hop through real
 * brokers; {@code broker.ping} from a leaf three hops below rank 0; the time for one event to reach
 * all 64 brokers; a 64-broker instance's time to run, full shutdown and restart; torpid and lost
 * detection against their timeouts; and a 100,000-record checkpoint written, handed one hop and
 * restored.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.canopy.bench.TreeBench [PART...]} with
 * parts {@code zmq forward deep event big loss checkpoint} (default: all). Every wait is bounded.
 */
public final class TreeBench {
    /** Requests in flight in the raw JeroMQ round trips ({@code -Dbench.echoWindow}, default 256). */
    static final int ECHO_WINDOW = Integer.getInteger("bench.echoWindow", 256);

    private static final Duration CALL = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        List<String> parts = args.length == 0
                ? List.of("zmq", "forward", "deep", "event", "big", "loss", "checkpoint") : List.of(args);
        System.out.printf("TreeBench on %d cores, %s, java %s%n", Runtime.getRuntime().availableProcessors(),
                java.time.Instant.now(), System.getProperty("java.version"));
        Map<String, Double> raw = new HashMap<>();
        for (String p : parts) {
            switch (p) {
                case "zmq" -> {
                    // The baseline is the best of four runs: cold, JeroMQ runs at a quarter of its
                    // warm speed (or less), and a baseline measured cold flatters every ratio.
                    raw.put("plain", best(() -> rawZmq(false, 400_000)));
                    raw.put("curve", best(() -> rawZmq(true, 100_000)));
                    best(() -> rawZmqEcho(false, 200_000));
                    best(() -> rawZmqEcho(true, 50_000));
                }
                case "forward" -> {
                    forward(false, raw.get("plain"));
                    forward(true, raw.get("curve"));
                }
                case "deep" -> deep();
                case "event" -> event();
                case "big" -> big();
                case "loss" -> loss();
                case "checkpoint" -> checkpoint();
                default -> throw new IllegalArgumentException("unknown part " + p);
            }
        }
        System.exit(0);
    }

    /** Messages per second, 100-byte payloads, DEALER to ROUTER over loopback TCP in one process. */
    static double rawZmq(boolean curve, int count) throws Exception {
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
            ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
            router.setRcvHWM(0);
            dealer.setSndHWM(0);
            if (curve) {
                secure(router, dealer);
            }
            int port = router.bindToRandomPort("tcp://127.0.0.1");
            dealer.connect("tcp://127.0.0.1:" + port);
            byte[] payload = new byte[100];
            dealer.send(payload);
            router.recv();
            router.recv();
            Thread sender = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    dealer.send(payload);
                }
            });
            long t0 = System.nanoTime();
            sender.start();
            router.setReceiveTimeOut(30_000);
            for (int i = 0; i < count; i++) {
                if (router.recv() == null || router.recv() == null) {
                    throw new IllegalStateException("raw ZeroMQ receive timed out after " + i + " messages");
                }
            }
            double rate = count / ((System.nanoTime() - t0) / 1e9);
            sender.join(30_000);
            System.out.printf(Locale.ROOT, "raw JeroMQ DEALER->ROUTER %s: %.0f msg/s (%d messages)%n",
                    curve ? "CURVE" : "plain", rate, count);
            return rate;
        }
    }

    /** A measurement that can fail. */
    private interface Rate {
        double run() throws Exception;
    }

    /** The best of four runs of {@code r}, printed. */
    private static double best(Rate r) throws Exception {
        double best = 0;
        for (int i = 0; i < 4; i++) {
            best = Math.max(best, r.run());
        }
        System.out.printf(Locale.ROOT, "  best of 4: %.0f%n", best);
        return best;
    }

    /** CURVE on both sockets, with a fresh certificate (the router is the server). */
    private static void secure(ZMQ.Socket router, ZMQ.Socket dealer) {
        CurveCertificate c = CurveCertificate.generate("bench");
        router.setCurveServer(true);
        router.setCurveSecretKey(ZMQ.Curve.z85Decode(c.secretKey()));
        dealer.setCurvePublicKey(ZMQ.Curve.z85Decode(c.publicKey()));
        dealer.setCurveSecretKey(ZMQ.Curve.z85Decode(c.secretKey()));
        dealer.setCurveServerKey(ZMQ.Curve.z85Decode(c.publicKey()));
    }

    /**
     * Request/response round trips per second through raw JeroMQ: a DEALER keeps 256 requests of
     * 100 bytes in flight and a ROUTER thread sends each straight back. The same pattern as the
     * forwarded {@code broker.ping} without anything Canopy does.
     */
    static double rawZmqEcho(boolean curve, int count) throws Exception {
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
            ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
            if (curve) {
                secure(router, dealer);
            }
            int port = router.bindToRandomPort("tcp://127.0.0.1");
            router.setReceiveTimeOut(30_000);
            dealer.setReceiveTimeOut(30_000);
            dealer.connect("tcp://127.0.0.1:" + port);
            Thread echo = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    byte[] id = router.recv();
                    byte[] body = id == null ? null : router.recv();
                    if (body == null) {
                        return;
                    }
                    router.send(id, ZMQ.SNDMORE);
                    router.send(body);
                }
            });
            echo.start();
            byte[] payload = new byte[100];
            long t0 = System.nanoTime();
            int sent = 0;
            for (int received = 0; received < count; received++) {
                while (sent < count && sent - received < ECHO_WINDOW) {
                    dealer.send(payload);
                    sent++;
                }
                if (dealer.recv() == null) {
                    throw new IllegalStateException("raw ZeroMQ echo timed out after " + received + " answers");
                }
            }
            double rate = count / ((System.nanoTime() - t0) / 1e9);
            echo.join(30_000);
            System.out.printf(Locale.ROOT, "raw JeroMQ DEALER->ROUTER->DEALER round trips %s, %d in flight: %.0f req/s%n",
                    curve ? "CURVE" : "plain", ECHO_WINDOW, rate);
            return rate;
        }
    }

    /**
     * Pipelined broker.ping from a client on rank 1 to rank 0 (one overlay hop each way), once for
     * each number of requests in flight in {@code -Dbench.forward.windows} (default 256 and 4096):
     * on a machine where every hand-off between threads costs tens of microseconds, the rate with
     * few in flight is bound by latency, not by what the brokers can do.
     */
    static void forward(boolean curve, Double baseline) throws Exception {
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(2).curve(curve)
                .brokerArgs(List.of("--no-modules")).timeout(Duration.ofSeconds(120)));
                CanopyClient c = CanopyClient.connect(in.socket(1))) {
            pipelined(c, 0, 20_000, 256); // warm up
            for (String w : System.getProperty("bench.forward.windows", "256,4096").split(",")) {
                int window = Integer.parseInt(w.trim());
                double rate = pipelined(c, 0, Integer.getInteger("bench.forward.count", curve ? 50_000 : 100_000), window);
                System.out.printf(Locale.ROOT, "forwarded one hop (%s, %d in flight): %.0f req/s%s%n", curve ? "CURVE" : "plain",
                        window, rate, baseline == null ? "" : String.format(Locale.ROOT,
                                " = %.1f%% of raw JeroMQ (%.0f msg/s); target 40%%", 100 * rate / baseline, baseline));
            }
        }
    }

    /** broker.ping to rank 0 from a client on rank 7, three hops below it (fanout 2, 8 brokers). */
    static void deep() throws Exception {
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(8).fanout(2)
                .brokerArgs(List.of("--no-modules")).timeout(Duration.ofSeconds(180)));
                CanopyClient c = CanopyClient.connect(in.socket(7))) {
            for (int target : new int[] {7, 0}) {
                latency(c, target, 3_000); // warm up
                double[] us = latency(c, target, 10_000);
                System.out.printf(Locale.ROOT, "broker.ping from rank 7 to rank %d (%d hops): median %.0f us, p99 %.0f us, "
                        + "%.0f req/s unpipelined; %.0f req/s pipelined%n", target, target == 7 ? 0 : 3,
                        us[us.length / 2], us[(int) (us.length * 0.99)], us.length / (Arrays.stream(us).sum() / 1e6),
                        pipelined(c, target, 50_000, 256));
            }
        }
    }

    /** Time for one event published at rank 0 to reach a subscriber on each of 64 brokers. */
    static void event() throws Exception {
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(64).fanout(4)
                .brokerArgs(List.of("--no-modules")).timeout(Duration.ofSeconds(600)))) {
            List<CanopyClient> subs = new ArrayList<>();
            AtomicLong[] lastSeen = new AtomicLong[64];
            CountDownLatch[] latch = new CountDownLatch[1];
            try {
                for (int r = 0; r < 64; r++) {
                    CanopyClient c = CanopyClient.connect(in.socket(r));
                    AtomicLong seen = new AtomicLong();
                    lastSeen[r] = seen;
                    c.onEvent(m -> {
                        seen.set(System.nanoTime());
                        latch[0].countDown();
                    });
                    c.call("event.subscribe", NodeId.ANY, Map.of("topic", "bench."), CALL);
                    subs.add(c);
                }
                double[] ms = new double[21];
                for (int i = 0; i < ms.length; i++) {
                    latch[0] = new CountDownLatch(64);
                    long t0 = System.nanoTime();
                    subs.get(0).call("event.publish", NodeId.ANY, Map.of("topic", "bench.e" + i), CALL);
                    if (!latch[0].await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("event " + i + " did not reach all 64 brokers in 30 s");
                    }
                    long last = Arrays.stream(lastSeen).mapToLong(AtomicLong::get).max().orElseThrow();
                    ms[i] = (last - t0) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf(Locale.ROOT, "one event to all 64 brokers (fanout 4, depth 3): median %.2f ms, "
                        + "max %.2f ms over %d events%n", ms[ms.length / 2], ms[ms.length - 1], ms.length);
            } finally {
                subs.forEach(CanopyClient::close);
            }
        }
    }

    /** A 64-broker instance: start to run, full shutdown, restart to run with the saved state. */
    static void big() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("canopy-bench-");
        long t0 = System.nanoTime();
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(64).fanout(4).rundir(dir)
                .timeout(Duration.ofSeconds(900)))) {
            System.out.printf(Locale.ROOT, "64 brokers (fanout 4): start to all in run %.1f s%n", (System.nanoTime() - t0) / 1e9);
            try (CanopyClient c = CanopyClient.connect(in.socket())) {
                long s0 = System.nanoTime();
                c.stream(Message.request("shutdown.start", 0, 0, Payloads.encode(Map.of("mode", "full"))), m -> { })
                        .get(600, TimeUnit.SECONDS);
                for (int r = 0; r < 64; r++) {
                    in.process(r).waitFor(120, TimeUnit.SECONDS);
                }
                System.out.printf(Locale.ROOT, "64 brokers: full shutdown (command to last exit) %.1f s%n",
                        (System.nanoTime() - s0) / 1e9);
            }
        }
        long r0 = System.nanoTime();
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(64).fanout(4).rundir(dir)
                .timeout(Duration.ofSeconds(900)))) {
            System.out.printf(Locale.ROOT, "64 brokers: restart to all in run (state restored) %.1f s%n",
                    (System.nanoTime() - r0) / 1e9);
        }
        TestInstance.deleteTree(dir);
    }

    /** SIGSTOP a leaf; time until its parent reports it torpid and lost, against the timeouts. */
    static void loss() throws Exception {
        Duration keep = Duration.ofMillis(500);
        Duration torpid = Duration.ofSeconds(2);
        Duration lost = Duration.ofSeconds(5);
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(3).heartbeats(keep, torpid, lost)
                .brokerArgs(List.of("--no-modules")).timeout(Duration.ofSeconds(120)));
                CanopyClient c = CanopyClient.connect(in.socket())) {
            Map<String, Long> when = new java.util.concurrent.ConcurrentHashMap<>();
            CountDownLatch gone = new CountDownLatch(1);
            c.onEvent(m -> {
                try {
                    String s = Payloads.tree(m.payload()).path("status").asText();
                    when.putIfAbsent(s, System.nanoTime());
                    if (s.equals("lost")) {
                        gone.countDown();
                    }
                } catch (Exception e) {
                    // ignore an unreadable event
                }
            });
            c.call("event.subscribe", NodeId.ANY, Map.of("topic", "overlay.peer-status"), CALL);
            long pid = in.process(2).pid();
            long t0 = System.nanoTime();
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
            boolean ok = gone.await(60, TimeUnit.SECONDS);
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
            if (!ok) {
                throw new IllegalStateException("the stopped broker was not reported lost within 60 s");
            }
            System.out.printf(Locale.ROOT, "SIGSTOP to torpid %.2f s (torpid_timeout %ss), to lost %.2f s (lost_timeout %ss), "
                    + "keepalive %sms%n", (when.get("torpid") - t0) / 1e9, torpid.toSeconds(), (when.get("lost") - t0) / 1e9,
                    lost.toSeconds(), keep.toMillis());
        }
    }

    /** 100,000 job-sized records: checkpoint file written, handed one ZeroMQ hop, restored and read. */
    static void checkpoint() throws Exception {
        Map<String, byte[]> jobs = new HashMap<>();
        byte[] record = new byte[200];
        for (int i = 0; i < 100_000; i++) {
            record[0] = (byte) i;
            jobs.put("job-" + i, record.clone());
        }
        long t0 = System.nanoTime();
        byte[] file = CheckpointFile.toBytes(Snapshot.of(3, "leaf", Map.of("job-manager", jobs), Map.of()));
        long t1 = System.nanoTime();
        byte[] received;
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
            ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
            int port = router.bindToRandomPort("tcp://127.0.0.1");
            dealer.connect("tcp://127.0.0.1:" + port);
            router.setReceiveTimeOut(30_000);
            dealer.send(file);
            router.recv();
            received = router.recv();
        }
        long t2 = System.nanoTime();
        MemoryStateKeeper restored = new MemoryStateKeeper(new CheckpointFormat());
        restored.restore(received);
        int n = restored.store().area("job-manager").keys().size();
        long t3 = System.nanoTime();
        if (n != 100_000) {
            throw new IllegalStateException("restored " + n + " records, not 100000");
        }
        System.out.printf(Locale.ROOT, "checkpoint of 100,000 x 200-byte records: write %.2f s (%d bytes compressed), "
                + "hand up one hop %.3f s, restore %.2f s; total %.2f s%n", (t1 - t0) / 1e9, file.length,
                (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9);
    }

    private static double pipelined(CanopyClient c, int nodeid, int count, int window) throws Exception {
        Semaphore inFlight = new Semaphore(window);
        CompletableFuture<?>[] all = new CompletableFuture<?>[count];
        byte[] body = Payloads.encode(Map.of("p", "x"));
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (!inFlight.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no answer for 30 s with " + window + " requests in flight");
            }
            all[i] = c.send(Message.request("broker.ping", nodeid, 0, body)).whenComplete((m, e) -> inFlight.release());
        }
        CompletableFuture.allOf(all).get(120, TimeUnit.SECONDS);
        return count / ((System.nanoTime() - t0) / 1e9);
    }

    private static double[] latency(CanopyClient c, int nodeid, int count) throws Exception {
        double[] us = new double[count];
        byte[] body = Payloads.encode(Map.of("p", "x"));
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            c.send(Message.request("broker.ping", nodeid, 0, body)).get(30, TimeUnit.SECONDS);
            us[i] = (System.nanoTime() - t0) / 1e3;
        }
        Arrays.sort(us);
        return us;
    }

}
