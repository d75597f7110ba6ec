package io.canopy.modules.exec;

import io.canopy.module.ModuleContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * A job's reports to job-manager on rank 0, sent in order, one at a time, each retried until it
 * is acknowledged: output before {@code exec-finished} before {@code exec-released}. A report made
 * while the service brokers are down waits in the broker (or here, between retries) and arrives
 * when they are back; job-manager treats a repeated report as already known.
 */
final class ReportQueue {
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration LAST_RETRY = Duration.ofSeconds(10);

    private record Report(String topic, Map<String, Object> body) {}

    private final ModuleContext ctx;
    private final long id;
    private final Runnable drained;
    private final ArrayDeque<Report> queue = new ArrayDeque<>();
    private boolean sending;
    private Duration backoff = FIRST_RETRY;

    /** {@code drained} runs each time the last queued report is acknowledged. */
    ReportQueue(ModuleContext ctx, long id, Runnable drained) {
        this.ctx = ctx;
        this.id = id;
        this.drained = drained;
    }

    void add(String topic, Map<String, Object> body) {
        queue.add(new Report(topic, body));
        if (!sending) {
            sendHead();
        }
    }

    boolean idle() {
        return queue.isEmpty() && !sending;
    }

    private void sendHead() {
        Report r = queue.peek();
        if (r == null) {
            sending = false;
            drained.run();
            return;
        }
        sending = true;
        ctx.rpc(0, r.topic(), r.body()).whenComplete((resp, err) -> {
            if (err != null) {
                ctx.log().debug("job-exec: {} for job {} failed ({}); again in {}", r.topic(), id, err.getMessage(), backoff);
                ctx.schedule(backoff, this::sendHead);
                backoff = backoff.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : backoff.multipliedBy(2);
                return;
            }
            backoff = FIRST_RETRY;
            queue.poll();
            sendHead();
        });
    }
}
