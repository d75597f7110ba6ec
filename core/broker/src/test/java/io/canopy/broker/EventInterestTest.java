package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.overlay.PeerStatus;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-child event filter: prefix sets, what widens them, and the missed counts. */
class EventInterestTest {

    @Test
    void normalizingDropsPrefixesAShorterOneCovers() {
        assertEquals(List.of("config.", "shutdown."),
                List.copyOf(EventInterest.normalize(List.of("shutdown.begin", "config.", "shutdown.", "config.update"))));
        assertEquals(List.of(""), List.copyOf(EventInterest.normalize(List.of("a.", "", "b."))));
    }

    @Test
    void onlyANewTopicWidens() {
        assertFalse(EventInterest.widens(Set.of("config.update"), Set.of("config.")));
        assertTrue(EventInterest.widens(Set.of("config.", "job."), Set.of("config.")));
        assertTrue(EventInterest.widens(Set.of(""), Set.of("config.")));
        assertFalse(EventInterest.widens(Set.of(), Set.of("config.")));
    }

    @Test
    void aChildGetsEverythingUntilItSaysAndThenOnlyWhatItSubscribes() {
        EventInterest in = new EventInterest();
        assertTrue(in.wants(3, "overlay.peer-status"));
        in.report(3, List.of("shutdown.", "config."));
        assertFalse(in.wants(3, "overlay.peer-status"));
        assertTrue(in.wants(3, "shutdown.begin"));
        in.linkChanged(3, PeerStatus.ONLINE, PeerStatus.TORPID);
        in.linkChanged(3, PeerStatus.TORPID, PeerStatus.ONLINE);
        assertFalse(in.wants(3, "overlay.peer-status"), "a child back from torpid kept its link and what it wants");
        in.linkChanged(3, PeerStatus.ONLINE, PeerStatus.LOST);
        in.linkChanged(3, PeerStatus.LOST, PeerStatus.ONLINE);
        assertTrue(in.wants(3, "overlay.peer-status"), "a child that rejoined gets everything until it reports");
        in.report(3, List.of("shutdown."));
        in.linkChanged(3, PeerStatus.ONLINE, PeerStatus.OFFLINE);
        assertTrue(in.wants(3, "overlay.peer-status"), "a child that left says again when it returns");
    }

    @Test
    void eventsSentToATorpidChildCountAsMissedOnlyIfItIsLostNext() {
        EventInterest in = new EventInterest();
        in.sentWhileTorpid(3);
        in.sentWhileTorpid(3);
        in.linkChanged(3, PeerStatus.TORPID, PeerStatus.ONLINE);
        assertEquals(0, in.takeMissed(3), "back online: the link held them");
        in.sentWhileTorpid(3);
        in.linkChanged(3, PeerStatus.TORPID, PeerStatus.LOST);
        in.missed(3);
        assertEquals(2, in.takeMissed(3));
        assertEquals(0, in.takeMissed(3), "taking the count starts it again");
    }
}
