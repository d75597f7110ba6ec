package io.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * While a broker shuts down, its modules stop one by one and their services go away. A neighbour's
 * request that meets a stopped service gets no "no such service" answer (it would fail a request
 * the administrator's guide says waits): the neighbour asks again once this broker is back. A
 * local client is told the broker is shutting down.
 */
class RouterShutdownTest {
    private static final class Recorder implements Endpoint {
        final String id;
        final List<Message> got = new ArrayList<>();

        Recorder(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public void deliver(Message m) {
            got.add(m);
        }
    }

    private BrokerState state = BrokerState.RUN;
    private final Router router = new Router(Topology.single("node0"), () -> state, () -> true);
    private final Recorder child = new Recorder("t3");
    private final Recorder client = new Recorder("c1");

    RouterShutdownTest() {
        router.links(null, Map.of(), new OverlayView(List.of()));
        router.attach(child);
        router.attach(client);
    }

    private void ask(String hop) {
        router.request(Message.request("job-manager.submit", 0, 1, new byte[0]).pushRoute(hop));
    }

    @Test
    void aNeighboursRequestForAStoppedServiceIsHeldBackWhileShuttingDown() {
        state = BrokerState.FINALIZE;
        ask("t3");
        assertTrue(child.got.isEmpty(), () -> "answered: " + child.got);
        assertEquals(1, router.heldBack());
    }

    @Test
    void aLocalClientIsToldTheBrokerIsShuttingDown() {
        state = BrokerState.FINALIZE;
        ask("c1");
        assertEquals(1, client.got.size());
        assertEquals(Errno.ENOSYS, client.got.get(0).errnum());
        assertTrue(client.got.get(0).errstr().contains("the broker is shutting down"), client.got.get(0).errstr());
    }

    @Test
    void outsideAShutdownANeighbourIsToldThereIsNoSuchService() {
        ask("t3");
        assertEquals(1, child.got.size());
        assertEquals(Errno.ENOSYS, child.got.get(0).errnum());
        assertTrue(child.got.get(0).errstr().contains("is its module loaded?"), child.got.get(0).errstr());
    }
}
