package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answers owed to the parent while the link is down reach it after the next hello if it is the
 * same parent process (it was only stopped or cut off, and its requests still wait for them), and
 * are dropped if a new parent process answered the hello (it never asked them).
 */
class ParentLinkTest {
    private final FakeOverlay overlay = new FakeOverlay();
    private final ParentLink link = new ParentLink(overlay, dropped -> { });

    private static Message answer(long tag) {
        return Message.request("job-exec.start", 3, tag, new byte[0]).pushRoute("m:job-manager").response(new byte[0]);
    }

    @Test
    void answersMadeWhileTheParentWasAwayReachTheSameParentProcessWhenItIsBack() {
        link.up("session-1");
        overlay.up = false;
        link.down();
        link.deliver(answer(7));
        assertTrue(overlay.toParent.isEmpty());

        overlay.up = true;
        link.up("session-1");

        assertEquals(List.of(7L), overlay.toParent.stream().map(Message::matchtag).toList());
    }

    @Test
    void answersOwedToAParentProcessThatIsGoneAreDropped() {
        link.up("session-1");
        overlay.up = false;
        link.down();
        link.deliver(answer(7));

        overlay.up = true;
        link.up("session-2");

        assertTrue(overlay.toParent.isEmpty(), overlay.toParent::toString);
    }
}
