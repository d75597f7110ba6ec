package io.canopy.modules.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.Payloads;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import io.canopy.modules.FakeContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may submit: anyone where the brokers run as root (tasks run as the submitter), only the
 * instance owner where they do not (they could only run a stranger's job as the owner).
 */
class JobManagerSubmitTest {
    private static final Map<String, Object> SPEC = Map.of("command", List.of("true"), "ntasks", 1, "cwd", "/tmp");

    private static FakeContext started(int ownerUid) throws Exception {
        FakeContext ctx = new FakeContext().ownedBy(ownerUid);
        new JobManagerModule().start(ctx);
        ctx.sent.clear(); // what start itself asked (topology, scheduler hello)
        return ctx;
    }

    @Test
    void anotherUserIsRefusedWhereTheBrokersAreNotRootAndNothingIsRecorded() throws Exception {
        FakeContext ctx = started(1000);
        RpcException e = assertThrows(RpcException.class,
                () -> ctx.handlers.get("job-manager.submit").handle(new Submit(1001)));
        assertEquals(Errno.EPERM, e.errnum());
        assertTrue(e.getMessage().contains("only the instance owner may submit"), e.getMessage());
        assertTrue(ctx.sent.isEmpty(), "the scheduler was asked: " + ctx.sent);
        ctx.runDue();
        assertTrue(ctx.checkpoint.keys().stream().noneMatch(k -> k.contains("job")), "a job was recorded: " + ctx.checkpoint.keys());
    }

    @Test
    void theOwnerMaySubmitWhereTheBrokersAreNotRoot() throws Exception {
        FakeContext ctx = started(1000);
        ctx.handlers.get("job-manager.submit").handle(new Submit(1000));
        assertEquals("sched.feasible", ctx.sent.get(0).topic());
    }

    @Test
    void anyUserMaySubmitWhereTheBrokersAreRoot() throws Exception {
        FakeContext ctx = started(0);
        ctx.handlers.get("job-manager.submit").handle(new Submit(1001));
        assertEquals("sched.feasible", ctx.sent.get(0).topic());
    }

    /** A submit request from {@code userid}; answers are not needed by these tests. */
    private record Submit(int userid) implements Request {
        @Override
        public String topic() {
            return "job-manager.submit";
        }

        @Override
        public int rolemask() {
            return 0;
        }

        @Override
        public boolean isOwner() {
            return false;
        }

        @Override
        public byte[] payloadBytes() {
            return Payloads.encode(SPEC);
        }

        @Override
        public <T> T payload(Class<T> type) throws RpcException {
            return Payloads.decode(payloadBytes(), type);
        }

        @Override
        public JsonNode payloadTree() throws RpcException {
            return Payloads.tree(payloadBytes());
        }

        @Override
        public void respond(Object body) {}

        @Override
        public void respondPart(Object body) {}

        @Override
        public void respondError(int errnum, String message) {}
    }
}
