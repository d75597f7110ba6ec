package io.canopy.modules.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drain state across releases: what the previous release saved is read (sources guessed), both
 * formats are written so that a leader of the previous release still sees every drained node, a
 * drain an older leader changed meanwhile wins for its rank, a newer format is refused, and the
 * previous release's request dialect keeps its meaning.
 */
class DrainFormatTest {
    /** A drain as the previous release wrote it: no source. */
    private static Map<String, Object> v1(String reason, double time) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", reason);
        m.put("userid", 0);
        m.put("user", "root");
        m.put("time", time);
        return m;
    }

    @Test
    void thePreviousReleasesDrainsAreReadWithTheirSourcesGuessed() throws RpcException {
        ResourcePartsTest.FakeCheckpoint cp = new ResourcePartsTest.FakeCheckpoint();
        cp.committed.put("drain", Payloads.encode(Map.of(1, v1("lost", 1), 2, v1("epilog failed on n2: exit 3", 2),
                3, v1("bad DIMM", 3))));

        DrainSet set = new DrainSet(cp);

        assertEquals("lost", set.get(1).source());
        assertEquals("epilog", set.get(2).source());
        assertEquals("admin", set.get(3).source());
    }

    @Test
    void bothFormatsAreWrittenAndAnOlderLeadersChangeWinsForItsRank() throws RpcException {
        ResourcePartsTest.FakeCheckpoint cp = new ResourcePartsTest.FakeCheckpoint();
        DrainSet set = new DrainSet(cp);
        set.update(d -> {
            d.put(1, new Drain("bad DIMM", 0, "root", 1, "admin"));
            d.put(1, new Drain("lost", 0, "root", 2, "lost"));
            d.put(2, new Drain("kernel", 0, "root", 3, "reboot"));
            d.put(4, new Drain("kernel", 0, "root", 3, "reboot"));
        });
        JsonNode old = Payloads.tree(cp.committed.get("drain"));
        assertEquals("bad DIMM", old.path("1").path("reason").asText(), "format 1 keeps the first drain of each rank");
        assertEquals("kernel", old.path("2").path("reason").asText());

        // a leader of the previous release ran on this state: it undrained rank 4, drained rank 3, rewrote the rest
        cp.committed.put("drain", Payloads.encode(Map.of(1, v1("bad DIMM", 1), 2, v1("kernel", 3), 3, v1("fan", 5))));
        DrainSet again = new DrainSet(cp);

        assertEquals(List.of("admin", "lost"), again.of(1).stream().map(Drain::source).toList(),
                "rank 1 unchanged there: both of its drains are kept");
        assertEquals("reboot", again.get(2).source(), "rank 2 unchanged there: its source is kept");
        assertEquals("fan", again.get(3).reason());
        assertFalse(again.isDrained(4), "undrained by the older leader");
    }

    @Test
    void aNewerFormatIsRefusedNamingBoth() {
        ResourcePartsTest.FakeCheckpoint cp = new ResourcePartsTest.FakeCheckpoint();
        cp.committed.put("drains", Payloads.encode(Map.of("format", 3, "nodes", Map.of())));

        RpcException e = assertThrows(RpcException.class, () -> new DrainSet(cp));

        assertEquals(Errno.EPROTO, e.errnum());
        assertTrue(e.getMessage().contains("format 3; this Canopy reads formats 1 to 2"), e.getMessage());
    }

    @Test
    void thePreviousReleasesRequestsKeepTheirMeaning() throws RpcException {
        DrainRequest cli = DrainRequest.drain(Payloads.tree(Payloads.encode(Map.of("targets", "1", "reason", "x",
                "force", true))));
        DrainRequest epilog = DrainRequest.drain(Payloads.tree(Payloads.encode(Map.of("targets", "1",
                "reason", "epilog failed on n1: exit 1"))));
        DrainRequest now = DrainRequest.drain(Payloads.tree(Payloads.encode(Map.of("targets", "1", "reason", "x",
                "mode", "fail", "source", "admin"))));

        assertEquals(DrainMode.FORCE_OVERWRITE, cli.mode());
        assertEquals(DrainSource.ADMIN, cli.source());
        assertEquals(DrainMode.UPDATE, epilog.mode(), "the previous release left drained nodes as they were");
        assertEquals(DrainSource.EPILOG, epilog.source());
        assertEquals(DrainMode.FAIL, now.mode());
    }
}
