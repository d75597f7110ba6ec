package io.canopy.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The two measurements of {@link LocalRpcBench}, for any {@link RoundTripper}: one request at a
 * time (latency), and many in flight from one client (throughput). Every wait is bounded.
 */
final class RoundTrips {
    /** Longest wait for any one answer before the run is abandoned. */
    static final long ANSWER_TIMEOUT_S = 10;

    private RoundTrips() {}

    /** What one run measured. */
    record Result(int count, long elapsedNanos, long[] sortedLatencies) {
        double perSecond() {
            return count * 1e9 / elapsedNanos;
        }

        /** A latency percentile in microseconds; NaN for a pipelined run. */
        double percentileMicros(double p) {
            if (sortedLatencies.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(sortedLatencies.length - 1, Math.ceil(p / 100 * sortedLatencies.length) - 1);
            return sortedLatencies[Math.max(0, i)] / 1e3;
        }
    }

    /** {@code count} round trips, each sent when the previous one is answered. */
    static Result unpipelined(RoundTripper rt, int count) throws Exception {
        long[] lat = new long[count];
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            rt.send().get(ANSWER_TIMEOUT_S, TimeUnit.SECONDS);
            lat[i] = System.nanoTime() - t0;
        }
        long elapsed = System.nanoTime() - start;
        Arrays.sort(lat);
        return new Result(count, elapsed, lat);
    }

    /**
     * {@code count} round trips on the calling thread alone: write {@code frame} to an echo server,
     * read it back. The floor of a round trip over a Unix socket, with no thread hand-off.
     */
    static Result blockingEcho(Path socket, byte[] frame, int count) throws IOException {
        long[] lat = new long[count];
        ByteBuffer out = ByteBuffer.wrap(frame);
        ByteBuffer in = ByteBuffer.allocate(frame.length);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                out.clear();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                in.clear();
                Frames.fill(ch, in);
                lat[i] = System.nanoTime() - t0;
            }
            long elapsed = System.nanoTime() - start;
            Arrays.sort(lat);
            return new Result(count, elapsed, lat);
        }
    }

    /** {@code count} requests from one client, keeping {@code window} of them in flight. */
    static Result pipelined(RoundTripper rt, int count, int window) throws Exception {
        Semaphore slots = new Semaphore(window);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (!slots.tryAcquire(ANSWER_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new TimeoutException("no answer within " + ANSWER_TIMEOUT_S + " s after " + i + " requests");
            }
            CompletableFuture<?> f = rt.send();
            f.whenComplete((r, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                slots.release();
            });
            if (failure.get() != null) {
                throw new IllegalStateException("a request failed", failure.get());
            }
        }
        if (!slots.tryAcquire(window, ANSWER_TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new TimeoutException("the last answers did not arrive within " + ANSWER_TIMEOUT_S + " s");
        }
        long elapsed = System.nanoTime() - start;
        if (failure.get() != null) {
            throw new IllegalStateException("a request failed", failure.get());
        }
        return new Result(count, elapsed, new long[0]);
    }
}
