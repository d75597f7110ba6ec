package io.canopy.modules.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.module.Response;
import io.canopy.module.RpcException;
import io.canopy.modules.FakeContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reports go one at a time, in order, and each is sent again until job-manager acknowledges it. */
class ReportQueueTest {
    @Test
    void aReportIsRetriedUntilAcknowledgedAndTheNextWaitsForIt() {
        FakeContext ctx = new FakeContext();
        int[] drained = {0};
        ReportQueue q = new ReportQueue(ctx, 42, () -> drained[0]++);
        q.add("job-manager.exec-output", Map.of("n", 1));
        q.add("job-manager.exec-finished", Map.of("n", 2));

        assertEquals(1, ctx.sent.size(), "one report in flight at a time");
        ctx.sent.get(0).answer().completeExceptionally(new RpcException(Errno.ENOSYS, "job-manager is not loaded"));
        assertEquals(1, ctx.sent.size(), "the retry waits for its timer");
        ctx.due.poll().run();
        assertEquals(2, ctx.sent.size());
        assertEquals("job-manager.exec-output", ctx.sent.get(1).topic(), "the same report again, not the next");
        ctx.sent.get(1).answer().complete(new Response("job-manager.exec-output", new byte[0]));
        assertEquals("job-manager.exec-finished", ctx.sent.get(2).topic());
        assertTrue(!q.idle());
        ctx.sent.get(2).answer().complete(new Response("job-manager.exec-finished", new byte[0]));

        assertTrue(q.idle());
        assertEquals(1, drained[0]);
        assertEquals(List.of(0, 0, 0), ctx.sent.stream().map(FakeContext.Sent::nodeid).toList(), "all to rank 0");
    }
}
