package io.canopy.bench;

import io.canopy.codec.MessageCodec;
import io.canopy.config.InstanceConfig;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.overlay.ConfigTopology;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.overlay.zmq.OverlaySettings;
import io.canopy.overlay.zmq.ZmqOverlay;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the overlay hop alone: requests sent from rank 1's {@link ZmqOverlay} to rank 0's
 * and answered by rank 0's overlay listener, both overlays in this process over loopback TCP, next
 * to raw JeroMQ DEALER-&gt;ROUTER in the same process and run, one-way ({@link TreeBench#rawZmq}) and
 * as pipelined round trips ({@link TreeBench#rawZmqEcho}), the most any forwarded request could do. No
 * broker thread, router, local socket or client: what is left is the overlay's own threads,
 * framing, codec and ZeroMQ, the part of a forwarded request that the overlay is responsible for.
 * {@link TreeBench}'s {@code forward} part measures the same hop end to end through real brokers.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.canopy.bench.OverlayHopBench [ROUNDS]}.
 */
public final class OverlayHopBench {
    /** Requests in flight ({@code -Dbench.window}, default 256). */
    private static final int WINDOW = Integer.getInteger("bench.window", 256);

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        System.out.printf(Locale.ROOT, "OverlayHopBench on %d cores, java %s, load %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), JobBench.load());
        boolean[] modes = System.getProperty("bench.curveOnly") != null ? new boolean[] {true} : new boolean[] {false, true};
        for (boolean curve : modes) {
            int count = curve ? 100_000 : 400_000;
            TreeBench.rawZmq(curve, count); // warm-up: JeroMQ runs at a quarter of its speed cold
            hop(curve, count / 4);
            TreeBench.rawZmqEcho(curve, count / 2);
            for (int r = 0; r < rounds; r++) {
                double raw = TreeBench.rawZmq(curve, count);
                double echo = TreeBench.rawZmqEcho(curve, count / 2);
                double hop = hop(curve, count / 2);
                System.out.printf(Locale.ROOT, "%s round %d: raw JeroMQ one-way %.0f msg/s, round trips %.0f req/s (%.1f%% of "
                        + "one-way, %d in flight); overlay hop %.0f req/s (%d in flight) = %.1f%% of one-way, %.1f%% of raw round trips%n",
                        curve ? "CURVE" : "plain", r + 1, raw, echo, 100 * echo / raw, TreeBench.ECHO_WINDOW, hop, WINDOW,
                        100 * hop / raw, 100 * hop / echo);
            }
        }
        System.exit(0);
    }

    /** Pipelined request/response round trips per second across one overlay hop. */
    static double hop(boolean curve, int count) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        InstanceConfig config = InstanceConfig.parse(InstanceConfig.testToml(2, 2, List.of(port, port + 1), "bench"),
                Path.of("overlay-hop-bench.toml"));
        CurveCertificate cert = curve ? CurveCertificate.generate("bench") : null;
        Echo parentSide = new Echo();
        Replies childSide = new Replies();
        try (ZmqOverlay parent = overlay(config, 0, cert); ZmqOverlay child = overlay(config, 1, cert)) {
            parentSide.overlay = parent;
            parent.start(parentSide);
            child.start(childSide);
            long started = System.nanoTime();
            if (!childSide.up.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("rank 1 did not join rank 0 within 30 s");
            }
            System.out.printf(Locale.ROOT, "rank 1 joined in %.0f ms%n", (System.nanoTime() - started) / 1e6);
            run(child, childSide, count / 5); // warm up
            long t0 = System.nanoTime();
            run(child, childSide, count);
            return count / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void run(ZmqOverlay child, Replies replies, int count) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        byte[] body = Payloads.encode(Map.of("p", "x"));
        CompletableFuture<?>[] all = new CompletableFuture<?>[count];
        for (int i = 0; i < count; i++) {
            if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no answer for 30 s with " + WINDOW + " requests in flight");
            }
            long tag = replies.next++;
            CompletableFuture<Message> f = new CompletableFuture<>();
            replies.pending.put(tag, f);
            all[i] = f.whenComplete((m, e) -> window.release());
            if (!child.sendToParent(Message.request("broker.ping", 0, tag, body).pushRoute("t1"))) {
                throw new IllegalStateException("the overlay refused a request");
            }
        }
        CompletableFuture.allOf(all).get(120, TimeUnit.SECONDS);
    }

    private static ZmqOverlay overlay(InstanceConfig config, int rank, CurveCertificate cert) {
        String uri = config.hosts().get(0).connect();
        return new ZmqOverlay(new OverlaySettings(new ConfigTopology(config, rank), rank == 0 ? config.hosts().get(0).bind() : null,
                rank == 0 ? null : uri, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(30), cert, "bench"),
                MessageCodec.DEFAULT_MAX_FRAME);
    }

    /** Rank 0: answers every request from its child on the overlay thread, as a broker would. */
    private static final class Echo extends Quiet {
        volatile ZmqOverlay overlay;

        @Override
        public void fromChild(int rank, Message m) {
            overlay.sendToChild(rank, m.response(m.payload()));
        }
    }

    /** Rank 1: completes the request each response answers. */
    private static final class Replies extends Quiet {
        final ConcurrentHashMap<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
        long next = 1;
        final CountDownLatch up = new CountDownLatch(1);

        @Override
        public void parentUp(String parentState) {
            up.countDown();
        }

        @Override
        public void fromParent(Message m) {
            CompletableFuture<Message> f = pending.remove(m.matchtag());
            if (f != null) {
                f.complete(m);
            }
        }
    }

    /** A listener in state run that ignores what this benchmark does not need. */
    private abstract static class Quiet implements OverlayListener {
        @Override
        public void fromParent(Message message) {}

        @Override
        public void fromChild(int rank, Message message) {}

        @Override
        public void parentUp(String parentState) {}

        @Override
        public void parentState(String state) {}

        @Override
        public void parentDown(String why) {}

        @Override
        public void childStatus(int rank, PeerStatus status, String why) {}

        @Override
        public String stateForHello() {
            return "run";
        }
    }
}
