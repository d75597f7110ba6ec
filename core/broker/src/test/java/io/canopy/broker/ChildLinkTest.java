package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request sent down to a child that is lost (or leaves) before it answers gets an EHOSTUNREACH
 * answer from the parent, so that its caller (job-manager starting a job, say) can act instead of
 * waiting for ever; answered requests, requests that want no answer and streamed parts are not
 * failed.
 */
class ChildLinkTest {
    private final FakeOverlay overlay = new FakeOverlay();
    private final List<Message> answered = new ArrayList<>();
    private final ChildLink link = new ChildLink(3, "node3", overlay, answered::add);

    private static Message request(long tag) {
        return Message.request("job-exec.start", 3, tag, new byte[0]).pushRoute("m:job-manager");
    }

    @Test
    void aRequestTheChildNeverAnsweredFailsWhenTheChildIsLost() {
        link.deliver(request(7));
        assertTrue(answered.isEmpty());

        link.gone("lost");

        assertEquals(1, answered.size());
        Message a = answered.get(0);
        assertEquals(Errno.EHOSTUNREACH, a.errnum());
        assertEquals(7, a.matchtag());
        assertEquals("m:job-manager", a.lastHop(), "it goes back to its caller");
        assertTrue(a.errstr().contains("node3 (rank 3) was lost before job-exec.start was answered"), a.errstr());
    }

    @Test
    void answeredRequestsAndRequestsWantingNoAnswerAreNotFailed() {
        Message asked = request(1);
        link.deliver(asked);
        link.deliver(request(2).withFlags(Message.FLAG_NORESPONSE));
        link.settled(asked.response(new byte[0]));
        assertEquals(0, link.inflight());

        link.gone("offline");

        assertTrue(answered.isEmpty(), answered::toString);
    }

    @Test
    void aStreamedPartDoesNotSettleItsRequest() {
        Message asked = request(4);
        link.deliver(asked);
        link.settled(asked.response(new byte[0]).withFlags(Message.FLAG_STREAMING));
        link.gone("lost");
        assertEquals(1, answered.size());
    }

    @Test
    void aRequestThatCannotBeSentIsAnsweredAtOnce() {
        overlay.up = false;
        link.deliver(request(5));
        assertEquals(1, answered.size());
        assertEquals(Errno.EHOSTUNREACH, answered.get(0).errnum());
        assertEquals(0, link.inflight());
    }
}
