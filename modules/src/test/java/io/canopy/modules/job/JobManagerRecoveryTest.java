package io.canopy.modules.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.module.Payloads;
import io.canopy.module.Response;
import io.canopy.module.RpcException;
import io.canopy.modules.FakeContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * job-manager reconciles what it committed with what the scheduler and the nodes know: a job whose
 * leader went away between its alloc and its start asks the nodes whether it started, and an
 * allocation the scheduler cancelled for a job that is still wanted is asked for again later, not
 * at once (asking a stopped scheduler at once, again and again, spun a shutdown for minutes); a
 * job that failed between its alloc and its start frees every node it was given (a 30-minute
 * chaos soak found one in cleanup for good, holding three nodes' cores).
 */
class JobManagerRecoveryTest {
    private static final JobSpec TRUE = new JobSpec(List.of("true"), 1, 1, "/tmp", Map.of(), null, null, "true", null);

    /** A context whose checkpoint holds job 1 after {@code events} (each a name and its context). */
    private static FakeContext withJob(Object... events) throws RpcException {
        return withJob(TRUE, events);
    }

    private static FakeContext withJob(JobSpec spec, Object... events) throws RpcException {
        Job j = new Job(1, 0, spec);
        for (int i = 0; i < events.length; i += 2) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) events[i + 1];
            j.post((String) events[i], c);
        }
        FakeContext ctx = new FakeContext();
        ctx.checkpoint.putBytes("job.1", Payloads.encode(j.record()));
        ctx.checkpoint.commit();
        return ctx;
    }

    private static final Object[] ALLOCATED = {"submit", Map.of("userid", 0), "depend", Map.of(),
        "alloc", Map.of("ranks", "3", "alloc", Map.of("3", 1))};

    private static List<FakeContext.Sent> sent(FakeContext ctx, String topic) {
        return ctx.sent.stream().filter(s -> s.topic().equals(topic)).toList();
    }

    private static List<String> committedEvents(FakeContext ctx) throws RpcException {
        ctx.runDue();
        JobRecord r = Payloads.decode(ctx.checkpoint.committed.get("job.1"), JobRecord.class);
        return r.events().stream().map(JobEvent::name).toList();
    }

    private static Response answer(Object body) {
        return new Response("job-exec.status", Payloads.encode(body));
    }

    @Test
    void aJobAllocatedButNotStartedWhenTheLeaderDiedIsStartedOnceItsNodesSayTheyHoldIt() throws Exception {
        FakeContext ctx = withJob(ALLOCATED);
        new JobManagerModule().start(ctx);

        FakeContext.Sent ask = sent(ctx, "job-exec.status").get(0);
        assertEquals(3, ask.nodeid());
        ask.answer().complete(answer(Map.of("known", List.of(1), "unknown", List.of())));

        List<String> events = committedEvents(ctx);
        assertEquals("start", events.get(events.size() - 1), events::toString);
        assertTrue(sent(ctx, "job-exec.start").isEmpty(), "started again: " + ctx.sent);
    }

    @Test
    void aJobAllocatedButNotStartedWhereANodeNeverGotTheStartEndsWithAnExceptionNamingIt() throws Exception {
        FakeContext ctx = withJob(ALLOCATED);
        new JobManagerModule().start(ctx);

        sent(ctx, "job-exec.status").get(0).answer().complete(answer(Map.of("known", List.of(), "unknown", List.of(1))));

        ctx.runDue();
        JobRecord r = Payloads.decode(ctx.checkpoint.committed.get("job.1"), JobRecord.class);
        JobEvent last = r.events().stream().filter(e -> e.name().equals("exception")).reduce((a, b) -> b).orElseThrow();
        assertEquals("exec", last.context().get("type"));
        assertEquals(0, ((Number) last.context().get("severity")).intValue());
        assertTrue(last.context().get("note").toString().contains("rank 3 (rank 3) has no record of the job: the leader "
                + "restarted between its alloc and its start"), last.context().toString());
        assertTrue(r.events().stream().noneMatch(e -> e.name().equals("start")), r.events()::toString);
        assertTrue(sent(ctx, "job-exec.start").isEmpty(), "started again: " + ctx.sent);
        assertEquals(1, sent(ctx, "sched.free").size(), "its resources are freed: " + ctx.sent);
    }

    @Test
    void aJobWhoseNodeIsLostBetweenItsAllocAndItsStartFreesEveryNodeItWasGiven() throws Exception {
        JobSpec twoNodes = new JobSpec(List.of("true"), 2, 2, "/tmp", Map.of(), null, null, "true", null);
        FakeContext ctx = withJob(twoNodes, "submit", Map.of("userid", 0), "depend", Map.of());
        new JobManagerModule().start(ctx);
        sent(ctx, "sched.hello").get(0).answer().complete(new Response("sched.hello", Payloads.encode(Map.of())));
        sent(ctx, "sched.alloc").get(0).answer().complete(new Response("sched.alloc",
                Payloads.encode(Map.of("ranks", Map.of("4", 1, "7", 1)))));

        ctx.event("overlay.peer-status", Map.of("rank", 7, "status", "lost")); // before the alloc is committed
        ctx.runDue();

        assertTrue(sent(ctx, "job-exec.start").isEmpty(), "started after its node was lost: " + ctx.sent);
        assertTrue(sent(ctx, "job-exec.kill").isEmpty(), "nothing of it runs anywhere to kill: " + ctx.sent);
        List<FakeContext.Sent> free = sent(ctx, "sched.free");
        assertEquals(1, free.size(), "rank 4, never started, still held its core: " + ctx.sent);
        free.get(0).answer().complete(new Response("sched.free", Payloads.encode(Map.of())));
        List<String> events = committedEvents(ctx);
        assertEquals(List.of("exception", "free", "clean"), events.subList(events.size() - 3, events.size()), events::toString);
    }

    @Test
    void aCancelledAllocForAJobStillWantedIsAskedForAgainLaterNotAtOnce() throws Exception {
        FakeContext ctx = withJob("submit", Map.of("userid", 0), "depend", Map.of());
        new JobManagerModule().start(ctx);
        sent(ctx, "sched.hello").get(0).answer().complete(new Response("sched.hello", Payloads.encode(Map.of())));
        assertEquals(1, sent(ctx, "sched.alloc").size());

        sent(ctx, "sched.alloc").get(0).answer().completeExceptionally(new RpcException(Errno.ECANCELED, "module sched stopped"));

        assertEquals(1, sent(ctx, "sched.alloc").size(), "asked again at once: " + ctx.sent);
        ctx.runDue();
        assertEquals(2, sent(ctx, "sched.alloc").size(), "asked again after the retry delay: " + ctx.sent);
    }

    @Test
    void aRestartedSchedulerIsAskedAgainForAllocsItsPredecessorNeverAnswered() throws Exception {
        FakeContext ctx = withJob("submit", Map.of("userid", 0), "depend", Map.of());
        JobManagerModule jm = new JobManagerModule();
        jm.start(ctx);
        sent(ctx, "sched.hello").get(0).answer().complete(new Response("sched.hello", Payloads.encode(Map.of())));
        assertEquals(1, sent(ctx, "sched.alloc").size());

        ctx.event("sched.online", Map.of());
        sent(ctx, "sched.hello").get(1).answer().complete(new Response("sched.hello", Payloads.encode(Map.of())));

        assertEquals(2, sent(ctx, "sched.alloc").size(), "the new scheduler is asked: " + ctx.sent);
    }
}
