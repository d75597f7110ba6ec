package io.canopy.statestore;

import static io.canopy.statestore.SnapshotTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.module.Checkpoint;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under the leader's store and under a checkpoint file: the write fails with a clear
 * error and what was committed before is intact. Runs as root only (it mounts a small tmpfs).
 */
class FullDiskTest {
    /** Large enough for MapDB's first 1 MB chunks of a store and its log, small enough to fill at once. */
    private static final String SIZE = "8m";

    @TempDir
    Path dir;

    @Test
    void aCommitOnAFullDiskFailsWithEnospcAndKeepsWhatWasCommitted() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("fs"), SIZE)) {
            Path statedir = fs.dir().resolve("state");
            Path filler;
            try (DurableStore store = DurableStore.open(statedir)) {
                Checkpoint drains = store.area("resource");
                drains.putBytes("drain:node3", bytes("bad DIMM"));
                drains.commit();

                filler = fs.fill("filler");
                Checkpoint jobs = store.area("job-manager");
                for (int i = 0; i < 200; i++) {
                    jobs.putBytes("job-" + i, new byte[5_000]);
                }
                RpcException e = assertThrows(RpcException.class, jobs::commit);

                assertTrue(e.errnum() == Errno.ENOSPC || e.errnum() == Errno.EIO, e.toString());
                assertTrue(e.getMessage().startsWith("cannot commit area 'job-manager' to state store "
                        + statedir.resolve("state.db") + ": "), e.getMessage());
                assertTrue(e.getMessage().contains("; the previously committed state is kept: "), e.getMessage());
                System.out.println("commit on a full disk: " + e);
                assertEquals(200, jobs.keys().size(), "the changes stay staged");
                assertArrayEquals(bytes("bad DIMM"), drains.getBytes("drain:node3").orElseThrow());
            }

            try (DurableStore store = DurableStore.open(statedir)) {
                assertArrayEquals(bytes("bad DIMM"), store.area("resource").getBytes("drain:node3").orElseThrow());
                assertEquals(Set.of(), store.area("job-manager").keys());
            }

            Files.delete(filler);
            try (DurableStore store = DurableStore.open(statedir)) {
                store.area("job-manager").putBytes("job-1", bytes("after space was freed"));
                store.area("job-manager").commit();
            }
            try (DurableStore store = DurableStore.open(statedir)) {
                assertEquals(Set.of("job-1"), store.area("job-manager").keys());
                assertEquals(Set.of("drain:node3"), store.area("resource").keys());
            }
        }
    }

    @Test
    void aFailedCommitCanBeRetriedOnceThereIsSpace() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("fs"), SIZE)) {
            Path statedir = fs.dir().resolve("state");
            try (DurableStore store = DurableStore.open(statedir)) {
                store.area("resource").putBytes("drain:node3", bytes("fan"));
                store.area("resource").commit();
                Path filler = fs.fill("filler");
                Checkpoint jobs = store.area("job-manager");
                for (int i = 0; i < 200; i++) {
                    jobs.putBytes("job-" + i, new byte[5_000]);
                }
                assertThrows(RpcException.class, jobs::commit);
                RpcException child = assertThrows(RpcException.class, () -> store.saveChild(2, new byte[500_000]));
                assertTrue(child.getMessage().startsWith("cannot commit the checkpoint of child 2 to state store "),
                        child.getMessage());

                Files.delete(filler);
                jobs.commit();
                store.saveChild(2, bytes("two"));
            }
            try (DurableStore store = DurableStore.open(statedir)) {
                assertEquals(200, store.area("job-manager").keys().size());
                assertEquals(Set.of("drain:node3"), store.area("resource").keys());
                assertArrayEquals(bytes("two"), store.child(2).orElseThrow());
            }
        }
    }

    @Test
    void aCheckpointFileThatDoesNotFitKeepsThePreviousOne() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("fs"), SIZE)) {
            Path file = fs.dir().resolve("rank-1.cpt");
            Snapshot previous = Snapshot.of(1, "node1", Map.of("resource", Map.of("k", bytes("previous"))), Map.of());
            CheckpointFile.write(file, previous);
            byte[] before = Files.readAllBytes(file);
            Path filler = fs.fill("filler");

            IOException e = assertThrows(IOException.class, () -> CheckpointFile.write(file,
                    Snapshot.of(1, "node1", Map.of("resource", Map.of("k", new byte[3_000_000])), Map.of())));

            assertEquals("cannot write checkpoint " + file + ": No space left on device; the previous checkpoint is kept",
                    e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(file));
            assertEquals(List.of("filler", "rank-1.cpt"), names(fs.dir()), "no temporary file is left behind");
            Files.delete(filler);
            assertEquals(previous, CheckpointFile.read(file));
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
