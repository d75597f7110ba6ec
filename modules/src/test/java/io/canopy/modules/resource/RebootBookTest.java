package io.canopy.modules.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.modules.resource.RebootBook.State;
import io.canopy.modules.resource.RebootBook.Step;
import io.canopy.modules.resource.RebootBook.Wave;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The reboot waves as the leader keeps them: every step outlives a restart, old waves go, newer formats are refused. */
class RebootBookTest {
    private static Wave wave(long id, int... ranks) {
        TreeMap<Integer, Step> nodes = new TreeMap<>();
        for (int r : ranks) {
            nodes.put(r, new Step(State.WAITING, 1, null, "drained for the reboot"));
        }
        return new Wave(id, "kernel", 0, "root", 1, true, true, 2, 900_000, nodes, null);
    }

    @Test
    void everyStepIsCommittedAndReadBackByTheNextLeader() throws RpcException {
        ResourcePartsTest.FakeCheckpoint cp = new ResourcePartsTest.FakeCheckpoint();
        RebootBook book = new RebootBook(cp);
        book.add(wave(book.nextId(), 3, 4));
        cp.commit();
        book.step(1, 3, new Step(State.REBOOTING, 2, "boot-a", "reboot command sent"));

        RebootBook again = new RebootBook(cp);

        assertEquals(State.REBOOTING, again.get(1).nodes().get(3).state());
        assertEquals("boot-a", again.get(1).nodes().get(3).bootId(), "the old boot id is what a return is told by");
        assertEquals(1, again.holding(4).id());
        assertEquals(2, again.nextId());
    }

    @Test
    void finishedWavesFreeTheirNodesAndOnlyTheLastTenAreKept() throws RpcException {
        ResourcePartsTest.FakeCheckpoint cp = new ResourcePartsTest.FakeCheckpoint();
        RebootBook book = new RebootBook(cp);
        for (int i = 0; i < 12; i++) {
            long id = book.nextId();
            book.add(wave(id, 5));
            book.step(id, 5, new Step(State.DONE, 3, "b", "rebooted"));
            book.finish(id, 4);
        }
        assertNull(book.holding(5), "a finished wave holds no node");
        assertEquals(RebootBook.KEEP_FINISHED, book.all().size());
        assertEquals(3, book.all().get(0).id());
    }

    @Test
    void aNewerFormatIsRefusedNamingBoth() {
        ResourcePartsTest.FakeCheckpoint cp = new ResourcePartsTest.FakeCheckpoint();
        cp.committed.put(RebootBook.KEY, Payloads.encode(Map.of("format", 2, "next", 1, "waves", java.util.List.of())));

        RpcException e = assertThrows(RpcException.class, () -> new RebootBook(cp));

        assertEquals(Errno.EPROTO, e.errnum());
        assertTrue(e.getMessage().contains("format 2; this Canopy reads format 1"), e.getMessage());
    }
}
