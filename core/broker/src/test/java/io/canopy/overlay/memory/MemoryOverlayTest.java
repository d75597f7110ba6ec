package io.canopy.overlay.memory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.config.InstanceConfig;
import io.canopy.message.Message;
import io.canopy.overlay.ConfigTopology;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The overlay contract as the broker relies on it, checked on two ranks without brokers. */
@Timeout(30)
class MemoryOverlayTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private final MemoryNetwork network = new MemoryNetwork(MemoryNetwork.Timeouts.fast());
    private final InstanceConfig config;
    private final List<MemoryOverlay> started = new ArrayList<>();

    MemoryOverlayTest() throws Exception {
        config = InstanceConfig.parse(InstanceConfig.testToml(2, 1, List.of(1024, 1025), "m"), Path.of("m.toml"));
    }

    /** Records every call with the thread it came on; answers hellos with {@link #state}. */
    static final class Recorder implements OverlayListener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        volatile String state = "run";

        private void note(String call) {
            calls.add(call);
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void fromParent(Message m) {
            note("fromParent " + m.topic());
        }

        @Override
        public void fromChild(int rank, Message m) {
            note("fromChild " + rank + " " + m.topic());
        }

        @Override
        public void parentUp(String parentState) {
            parentUp(parentState, null);
        }

        @Override
        public void parentUp(String parentState, String session) {
            note("parentUp " + parentState + " " + (session != null));
        }

        @Override
        public void parentState(String s) {
            note("parentState " + s);
        }

        @Override
        public void parentDown(String why) {
            note("parentDown " + why);
        }

        @Override
        public void childStatus(int rank, PeerStatus status, String why) {
            note("child " + rank + " " + status.label() + (why == null ? "" : " " + why));
        }

        @Override
        public String stateForHello() {
            return state;
        }

        @Override
        public void endOfRound() {
            calls.add("end");
        }

        boolean saw(String prefix) {
            return calls.stream().anyMatch(c -> c.startsWith(prefix));
        }

        List<String> reports() {
            return calls.stream().filter(c -> !c.equals("end")).toList();
        }
    }

    @AfterEach
    void closeAll() {
        started.forEach(MemoryOverlay::close);
    }

    private MemoryOverlay start(int rank, Recorder r) {
        MemoryOverlay o = network.overlay(new ConfigTopology(config, rank));
        o.start(r);
        started.add(o);
        return o;
    }

    @Test
    void aChildIsRefusedWhileItsParentIsNotPastInitAndAdmittedOnceItIs() {
        Recorder parent = new Recorder();
        parent.state = "init";
        Recorder child = new Recorder();
        start(0, parent);
        MemoryOverlay c = start(1, child);
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> !c.sendToParent(ping()));
        assertFalse(child.saw("parentUp"));
        parent.state = "quorum";
        await().atMost(WAIT).until(() -> child.saw("parentUp quorum true"));
        assertTrue(parent.saw("child 1 online"));
    }

    @Test
    void everyReportComesOnTheOverlayThreadInOrderAndEachRoundEnds() {
        Recorder parent = new Recorder();
        Recorder child = new Recorder();
        MemoryOverlay p = start(0, parent);
        MemoryOverlay c = start(1, child);
        await().atMost(WAIT).until(() -> child.saw("parentUp"));
        for (int i = 0; i < 20; i++) {
            assertTrue(c.sendToParent(Message.event("up" + i, null)));
            assertTrue(p.sendToChild(1, Message.event("down" + i, null)));
        }
        p.announceState("cleanup");
        await().atMost(WAIT).until(() -> child.saw("parentState cleanup") && parent.saw("fromChild 1 up19"));
        assertEquals(expected("fromChild 1 up"), parent.reports().stream().filter(s -> s.startsWith("fromChild")).toList());
        assertEquals(expected("fromParent down"), child.reports().stream().filter(s -> s.startsWith("fromParent")).toList());
        assertTrue(parent.threads.stream().allMatch(t -> t.equals("overlay-mem-r0")), parent.threads.toString());
        assertTrue(child.threads.stream().allMatch(t -> t.equals("overlay-mem-r1")), child.threads.toString());
        await().atMost(WAIT).until(() -> child.calls.get(child.calls.size() - 1).equals("end")); // the round ends
    }

    @Test
    void aGoodbyeMakesTheChildOfflineAndADisconnectMakesItLostAndSendsItBackToJoin() {
        Recorder parent = new Recorder();
        Recorder child = new Recorder();
        MemoryOverlay p = start(0, parent);
        MemoryOverlay c = start(1, child);
        await().atMost(WAIT).until(() -> child.saw("parentUp"));
        p.disconnectChild(1, "administrative disconnect");
        await().atMost(WAIT).until(() -> child.saw("parentDown the parent disconnected this broker: administrative"));
        assertTrue(parent.saw("child 1 lost administrative disconnect"));
        await().atMost(WAIT).until(() -> parent.reports().get(parent.reports().size() - 1).equals("child 1 online"));
        c.goodbye();
        c.close();
        await().atMost(WAIT).until(() -> parent.saw("child 1 offline said goodbye"));
        assertFalse(p.sendToChild(1, ping()), "nothing is sent to an offline child");
    }

    @Test
    void aKilledParentIsNoticedAtOnceAndAKilledChildAtTheNextHeartbeat() {
        Recorder parent = new Recorder();
        Recorder child = new Recorder();
        start(0, parent);
        start(1, child);
        await().atMost(WAIT).until(() -> child.saw("parentUp"));
        network.kill(1);
        await().atMost(WAIT).until(() -> parent.saw("child 1 lost its connection dropped without a goodbye"));
        Recorder again = new Recorder();
        start(1, again);
        await().atMost(WAIT).until(() -> again.saw("parentUp"));
        network.kill(0);
        await().atMost(WAIT).until(() -> again.saw("parentDown the connection to the parent closed"));
    }

    @Test
    void aChildStartedAgainIsANewProcessTheOldOneLostAndTheNewOneOnline() {
        Recorder parent = new Recorder();
        start(0, parent);
        MemoryOverlay first = start(1, new Recorder());
        await().atMost(WAIT).until(() -> parent.saw("child 1 online"));
        MemoryOverlay second = network.overlay(new ConfigTopology(config, 1));
        assertNotEquals(first.identity(), second.identity());
        network.kill(1); // the parent finds out at its next send, or from the new process's hello
        Recorder child = new Recorder();
        second.start(child);
        started.add(second);
        await().atMost(WAIT).until(() -> child.saw("parentUp"));
        List<String> seen = parent.reports();
        assertEquals("child 1 online", seen.get(seen.size() - 1));
        assertTrue(seen.get(seen.size() - 2).startsWith("child 1 lost"), seen.toString());
    }

    @Test
    void aChildCutOffIsTorpidThenLostAndItsParentIsLostToIt() {
        Recorder parent = new Recorder();
        Recorder child = new Recorder();
        start(0, parent);
        start(1, child);
        await().atMost(WAIT).until(() -> child.saw("parentUp"));
        network.cut(1);
        await().atMost(WAIT).until(() -> parent.saw("child 1 lost") && child.saw("parentDown no heartbeat"));
        assertEquals(List.of("child 1 online", "child 1 torpid no heartbeat for 300ms", "child 1 lost no heartbeat for 1000ms"),
                parent.reports());
        network.heal(1);
        await().atMost(WAIT).until(() -> parent.reports().size() == 4 && parent.reports().get(3).equals("child 1 online"));
    }

    private static Message ping() {
        return Message.event("ping", null);
    }

    private static List<String> expected(String prefix) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            out.add(prefix + i);
        }
        return out;
    }
}
