package io.canopy.broker;

import static io.canopy.mini.MiniInstance.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.canopy.mini.MiniInstance;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A follower that lost its parent while it was still initialising (its modules slow to start,
 * as on a node starved of CPU) finishes its init without a parent, rejoins, and follows the parent
 * into run. The parent's hello-ok says it runs, and it sends its state again only when that
 * changes: a follower that did not act on the hello-ok stayed in quorum for good (3 of 1,024
 * brokers in the scale benchmark).
 */
@Timeout(60)
class RejoinAfterInitTest {
    @AfterEach
    void open() {
        TestModules.Gate.OPEN = new CountDownLatch(0);
    }

    @Test
    void aFollowerThatLostItsParentDuringInitRunsOnceItRejoins() throws Exception {
        try (MiniInstance mini = new MiniInstance(3, 2, List.of("gate"))) {
            TestModules.Gate.OPEN = new CountDownLatch(0);
            mini.start(0).awaitState(BrokerState.RUN, 0);
            CountDownLatch gate = new CountDownLatch(1);
            TestModules.Gate.OPEN = gate;
            mini.start(1).awaitState(BrokerState.INIT, 1); // held in init by its gate module
            mini.network().cut(1);
            await().atMost(WAIT).until(() -> mini.childStatus(0, 1).equals("lost"));
            gate.countDown();
            mini.awaitState(BrokerState.QUORUM, 1); // init done, no parent to follow
            mini.network().heal(1);
            await().atMost(WAIT).until(() -> mini.childStatus(0, 1).equals("online"));
            mini.awaitState(BrokerState.RUN, 1);
            assertEquals(BrokerState.RUN, mini.state(0));
        }
    }
}
