package io.canopy.modules.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobTest {
    private static JobSpec spec() throws RpcException {
        return new JobSpec(List.of("/bin/true"), 2, 0, "/tmp", Map.of("A", "1"), null, null, null, "k").validated();
    }

    private static Job running() throws RpcException {
        Job j = new Job(7, 1000, spec());
        j.post("submit", Map.of("userid", 1000));
        j.post("depend", Map.of());
        j.post("alloc", Map.of("ranks", "3-4", "alloc", Map.of("3", 1, "4", 1)));
        j.post("start", Map.of());
        return j;
    }

    @Test
    void theSpecGetsItsDefaultsAndBadOnesAreRefusedWithTheFix() throws RpcException {
        JobSpec s = spec();
        assertEquals(2, s.ntasks());
        assertEquals("true", s.name());
        assertThrows(RpcException.class, () -> new JobSpec(List.of(), 0, 1, "/", null, null, null, null, null).validated());
        RpcException e = assertThrows(RpcException.class,
                () -> new JobSpec(List.of("x"), 3, 2, "/", null, null, null, null, null).validated());
        assertTrue(e.getMessage().contains("-n 3"), e.getMessage());
        assertThrows(RpcException.class, () -> new JobSpec(List.of("x"), 0, 1, "rel", null, null, null, null, null).validated());
    }

    @Test
    void theStateFollowsTheEventlogToCompleted() throws RpcException {
        Job j = running();
        assertEquals(JobState.RUN, j.state());
        assertTrue(j.finished(3, 0, null));
        assertFalse(j.finished(3, 0, null), "a repeated report changes nothing");
        assertFalse(j.allFinished());
        assertTrue(j.finished(4, 0, null));
        j.post("finish", Map.of("status", j.largestStatus()));
        assertEquals(JobState.CLEANUP, j.state());
        j.released(3);
        j.released(4);
        assertTrue(j.allReleased());
        j.post("free", Map.of());
        j.post("clean", Map.of());
        assertEquals(JobState.INACTIVE, j.state());
        assertEquals("COMPLETED", j.result());
        assertEquals(0, j.exitcode());
        assertTrue(j.spec().env().isEmpty(), "the environment is not kept once the job is over");
    }

    @Test
    void aFatalExceptionEndsTheRunAndNamesTheResult() throws RpcException {
        Job j = running();
        j.post("exception", Map.of("type", "node-failure", "severity", 0, "note", "test3 (rank 3) was lost"));
        assertEquals(JobState.CLEANUP, j.state());
        assertTrue(j.excuse(3));
        assertEquals(List.of(4), j.running());
        assertTrue(j.abandoned(3));
        j.finished(4, 143, null);
        j.released(4);
        j.post("clean", Map.of());
        assertEquals("EXCEPTION", j.result());
        Job c = running();
        c.post("exception", Map.of("type", "cancel", "severity", 0, "note", "x"));
        c.post("exception", Map.of("type", "service-restart", "severity", 1, "note", "y"));
        c.post("clean", Map.of());
        assertEquals("CANCELED", c.result());
        assertEquals(2, c.exceptions().size());
    }

    @Test
    void aCommittedJobComesBackTheSameAfterARestart() throws RpcException {
        Job j = running();
        j.finished(3, 2, null);
        j.released(3);
        j.excuse(4);
        JobRecord stored = Payloads.decode(Payloads.encode(j.record()), JobRecord.class);
        Job back = Job.of(stored);
        assertEquals(JobState.RUN, back.state());
        assertEquals(Map.of(3, 1, 4, 1), back.alloc());
        assertTrue(back.started());
        assertTrue(back.allFinished());
        assertTrue(back.allReleased());
        assertEquals(2, back.largestStatus());
        assertNull(back.exitcode());
        assertEquals(j.events().size(), back.events().size());
    }
}
