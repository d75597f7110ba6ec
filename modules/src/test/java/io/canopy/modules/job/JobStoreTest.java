package io.canopy.modules.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.module.RpcException;
import io.canopy.modules.FakeContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Group commits: one commit for a burst, nothing acknowledged before it, and a full disk loses nothing. */
class JobStoreTest {
    private static JobSpec spec() throws RpcException {
        return new JobSpec(List.of("true"), 0, 1, "/tmp", Map.of(), null, null, null, null).validated();
    }

    @Test
    void aBurstOfChangesIsOneCommitAndWhatWaitsRunsAfterIt() throws RpcException {
        FakeContext ctx = new FakeContext();
        JobStore store = new JobStore(ctx);
        List<String> done = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Job j = store.create(1000, spec());
            j.post("submit", Map.of());
            store.afterCommit(() -> done.add("answered " + j.id()));
        }
        assertTrue(done.isEmpty(), "nothing is answered before the commit");

        ctx.runDue();

        assertEquals(List.of("answered 1", "answered 2", "answered 3"), done);
        assertEquals(1, ctx.checkpoint.commits);
        assertEquals(3, new JobStore(ctx).all().size(), "a restarted job-manager finds the three jobs");
    }

    @Test
    void aFullDiskRefusesTheSubmissionsAndKeepsTheRestWaitingUntilThereIsRoom() throws RpcException {
        FakeContext ctx = new FakeContext();
        JobStore store = new JobStore(ctx);
        Job old = store.create(1000, spec());
        store.afterCommit(() -> {});
        ctx.runDue();
        ctx.checkpoint.full = true;
        Job fresh = store.create(1000, spec());
        List<String> done = new ArrayList<>();
        store.afterCommit(() -> done.add("submit answered"), e -> {
            store.remove(fresh.id());
            done.add("submit refused: " + e.getMessage());
        });
        old.post("exception", Map.of("type", "cancel", "severity", 0, "note", "x"));
        store.touch(old);
        store.afterCommit(() -> done.add("cancel answered"));

        ctx.due.poll().run(); // the first attempt, on a full disk

        assertEquals(List.of("submit refused: No space left on device"), done);
        assertNull(store.get(fresh.id()));
        ctx.checkpoint.full = false;
        ctx.runDue();
        assertEquals(List.of("submit refused: No space left on device", "cancel answered"), done);
        JobStore reopened = new JobStore(ctx);
        assertFalse(reopened.all().containsKey(fresh.id()), "the refused job is not on disk");
        assertEquals(JobState.CLEANUP, reopened.get(old.id()).state(), "the cancel is");
    }
}
