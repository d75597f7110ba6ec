package io.canopy.statestore;

import static io.canopy.statestore.SnapshotTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.canopy.module.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class DurableStoreTest {
    /**
     * 25,000 rather than 100,000 to keep the suite quick: the store's FileChannel I/O takes about
     * 9 s for 100,000 puts in one commit (see DurableStore); CheckpointFileTest covers 100,000.
     */
    private static final int RECORDS = 25_000;

    @TempDir
    Path dir;

    @Test
    void committedStateSurvivesReopeningAndStagedStateDoesNot() throws Exception {
        Path statedir = dir.resolve("state");
        try (DurableStore store = DurableStore.open(statedir)) {
            Checkpoint drains = store.area("resource");
            drains.putBytes("drain:node7", bytes("bad DIMM"));
            drains.putBytes("drain:node8", bytes("fan"));
            drains.commit();
            drains.remove("drain:node8");
            drains.putBytes("drain:node9", bytes("staged only"));
            assertEquals(Set.of("drain:node7", "drain:node9"), drains.keys());
        }
        assertTrue(Files.isRegularFile(statedir.resolve("state.db")));

        try (DurableStore store = DurableStore.open(statedir)) {
            Checkpoint drains = store.area("resource");
            assertEquals(Set.of("drain:node7", "drain:node8"), drains.keys());
            assertArrayEquals(bytes("bad DIMM"), drains.getBytes("drain:node7").orElseThrow());
            assertEquals(Optional.empty(), store.area("nothing-here").getBytes("k"));
        }
    }

    @Test
    void areasAreSeparateAndCommitOnlyTheirOwnChanges() throws Exception {
        try (DurableStore store = DurableStore.open(dir)) {
            store.area("a").putBytes("k", bytes("a's"));
            store.area("b").putBytes("k", bytes("b's"));
            store.area("a").commit();
        }
        try (DurableStore store = DurableStore.open(dir)) {
            assertArrayEquals(bytes("a's"), store.area("a").getBytes("k").orElseThrow());
            assertEquals(Set.of(), store.area("b").keys());
        }
    }

    @Test
    void childrenCheckpointsAreKeptForWhenTheyStartAgain() throws Exception {
        byte[] child = CheckpointFile.toBytes(Snapshot.of(3, "node3", Map.of("m", Map.of("k", bytes("v"))), Map.of()));
        try (DurableStore store = DurableStore.open(dir)) {
            store.saveChild(3, child);
            store.saveChild(4, bytes("old"));
            store.saveChild(4, bytes("new"));
        }
        try (DurableStore store = DurableStore.open(dir)) {
            assertEquals("node3", CheckpointFile.fromBytes(store.child(3).orElseThrow()).host());
            assertArrayEquals(bytes("new"), store.child(4).orElseThrow());
            assertEquals(Optional.empty(), store.child(5));
        }
    }

    @Test
    void manyChildrenCheckpointsAreSavedTogether() throws Exception {
        Map<Integer, byte[]> children = new java.util.TreeMap<>();
        for (int r = 1; r <= 1023; r++) {
            children.put(r, bytes("cp" + r));
        }
        try (DurableStore store = DurableStore.open(dir)) {
            store.saveChild(5, bytes("older"));
            store.saveChildren(children);
        }
        try (DurableStore store = DurableStore.open(dir)) {
            for (int r = 1; r <= 1023; r++) {
                assertArrayEquals(bytes("cp" + r), store.child(r).orElseThrow(), "rank " + r);
            }
            assertEquals(Optional.empty(), store.child(1024));
        }
    }

    @Test
    void snapshotAndRestoreReplaceEverythingInOneCommit() throws Exception {
        Snapshot saved;
        try (DurableStore store = DurableStore.open(dir.resolve("one"))) {
            store.area("resource").putBytes("drain", bytes("x"));
            store.area("resource").commit();
            store.area("empty").putBytes("staged", bytes("y"));
            store.saveChild(2, bytes("two"));
            saved = store.snapshot(0, "leader");
        }
        assertEquals(Set.of("resource"), saved.areas().keySet(), "staged-only areas are not in a snapshot");

        try (DurableStore store = DurableStore.open(dir.resolve("two"))) {
            store.area("old").putBytes("k", bytes("gone after restore"));
            store.area("old").commit();
            store.saveChild(9, bytes("nine"));
            store.restore(saved);
        }
        try (DurableStore store = DurableStore.open(dir.resolve("two"))) {
            Snapshot now = store.snapshot(0, "leader");
            assertEquals(saved.areas().keySet(), now.areas().keySet());
            assertArrayEquals(bytes("x"), now.area("resource").get("drain"));
            assertEquals(Set.of(2), now.children().keySet());
            assertEquals(Set.of(), store.area("old").keys());
        }
    }

    @Test
    void manyJobRecordsInOneCommitReadBackAfterReopening() throws Exception {
        Random random = new Random(7);
        Map<String, byte[]> jobs = new HashMap<>();
        long t0 = System.nanoTime();
        try (DurableStore store = DurableStore.open(dir)) {
            Checkpoint area = store.area("job-manager");
            for (int i = 0; i < RECORDS; i++) {
                byte[] record = new byte[200];
                random.nextBytes(record);
                jobs.put("job-" + i, record);
                area.putBytes("job-" + i, record);
            }
            area.commit();
        }
        long t1 = System.nanoTime();
        try (DurableStore store = DurableStore.open(dir)) {
            Map<String, byte[]> back = store.snapshot(0, "leader").area("job-manager");
            assertEquals(jobs.keySet(), back.keySet());
            jobs.forEach((k, v) -> assertTrue(Arrays.equals(v, back.get(k)), k));
        }
        long t2 = System.nanoTime();
        System.out.printf("%,d records of 200 bytes: put+commit+close %d ms, reopen+read %d ms%n",
                RECORDS, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
    }

    @Test
    void aNewerFormatIsRefusedAndLeftAsItWas() throws Exception {
        DurableStore.open(dir).close();
        Path file = dir.resolve("state.db");
        try (DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make()) {
            db.hashMap("meta", Serializer.STRING, Serializer.STRING).open().put("format-version", "2");
            db.commit();
        }
        OnDisk before = OnDisk.of(dir);

        IOException e = assertThrows(IOException.class, () -> DurableStore.open(dir));

        assertEquals("state store " + file + " has format version 2; this Canopy reads version 1: "
                + "upgrade Canopy or move the file aside to start with empty state", e.getMessage());
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void aDamagedFileIsRefusedAndLeftAsItWas() throws Exception {
        Path file = dir.resolve("state.db");
        Files.write(file, "not a MapDB file\n".repeat(100).getBytes());
        OnDisk before = OnDisk.of(dir);

        IOException e = assertThrows(IOException.class, () -> DurableStore.open(dir));

        assertEquals("state store " + file + " is damaged: Wrong file header, not MapDB file; it was left in "
                + "place: move it aside to start with empty state, or restore it from a backup", e.getMessage());
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void aTruncatedFileIsRefusedAndLeftAsItWas() throws Exception {
        try (DurableStore store = DurableStore.open(dir)) {
            store.area("m").putBytes("k", bytes("v"));
            store.area("m").commit();
        }
        Path file = dir.resolve("state.db");
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 4096));
        OnDisk before = OnDisk.of(dir);

        IOException e = assertThrows(IOException.class, () -> DurableStore.open(dir));

        assertTrue(e.getMessage().startsWith("state store " + file + " is damaged: "), e.getMessage());
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void aFileDamagedPastItsHeaderIsRefusedNamingItAndLeftAsItWas() throws Exception {
        try (DurableStore store = DurableStore.open(dir)) {
            store.area("resource").putBytes("drain", bytes("rank 1 drained"));
            store.area("resource").commit();
        }
        Path file = dir.resolve("state.db");
        byte[] content = Files.readAllBytes(file);
        byte[] garbage = new byte[content.length - 65536];
        new Random(2).nextBytes(garbage);
        System.arraycopy(garbage, 0, content, 65536, garbage.length); // the header (and its checksum) intact
        Files.write(file, content);
        OnDisk before = OnDisk.of(dir);

        IOException e = assertThrows(IOException.class, () -> DurableStore.open(dir));

        assertEquals("state store " + file + " is damaged: a record points past its end (truncated or "
                + "overwritten); it was left in place: move it aside to start with empty state, or restore it "
                + "from a backup", e.getMessage());
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void aCheckpointFileIsNotTakenForTheStore() throws Exception {
        Path file = dir.resolve("state.db");
        CheckpointFile.write(file, Snapshot.empty(1, "node1"));

        IOException e = assertThrows(IOException.class, () -> DurableStore.open(dir));

        assertEquals("state store " + file + " is damaged: it is a Canopy checkpoint file, not a state-store "
                + "file; it was left in place: move it aside to start with empty state, or restore it from a "
                + "backup", e.getMessage());
    }

    @Test
    void theStoreIsNotTakenForACheckpoint() throws Exception {
        DurableStore.open(dir).close();
        Path file = dir.resolve("state.db");

        IOException e = assertThrows(IOException.class, () -> CheckpointFile.read(file));

        assertEquals("checkpoint " + file + " is damaged: it is a Canopy state-store file, not a checkpoint file; "
                + "it was left in place", e.getMessage());
    }

    @Test
    void aStateDirThatCannotBeCreatedIsRefusedWithTheFix() throws Exception {
        Path regularFile = Files.writeString(dir.resolve("somefile"), "x");
        Path statedir = regularFile.resolve("statedir");

        IOException e = assertThrows(IOException.class, () -> DurableStore.open(statedir));

        assertTrue(e.getMessage().startsWith("cannot create state directory " + statedir + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; create it, or set statedir in the [broker] table to a directory "
                + "this user can write"), e.getMessage());
    }

    @Test
    void aStateDirThisUserCannotWriteIsRefusedWithTheFix() throws Exception {
        assumeFalse(isRoot(), "skipped: running as root, where mode 500 does not stop writes "
                + "(aStateDirThatCannotBeCreatedIsRefusedWithTheFix covers root)");
        Path statedir = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(statedir, PosixFilePermissions.fromString("r-x------"));
        try {
            IOException e = assertThrows(IOException.class, () -> DurableStore.open(statedir));
            assertEquals("state directory " + statedir + " is not writable by this user; fix its permissions, "
                    + "or set statedir in the [broker] table to a directory this user can write", e.getMessage());
        } finally {
            Files.setPosixFilePermissions(statedir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aStoreAlreadyOpenIsNotOpenedTwice() throws Exception {
        try (DurableStore first = DurableStore.open(dir)) {
            assertEquals(dir.resolve("state.db"), first.file());
            IOException e = assertThrows(IOException.class, () -> DurableStore.open(dir));
            assertEquals("state store " + dir.resolve("state.db") + " is already open, in another broker or "
                    + "process: stop that one, or give this broker its own statedir", e.getMessage());
        }
    }

    @Test
    void aClosedStoreSaysSo() throws Exception {
        DurableStore store = DurableStore.open(dir);
        Checkpoint area = store.area("m");
        store.close();

        area.putBytes("k", bytes("v"));
        var e = assertThrows(io.canopy.module.RpcException.class, area::commit);
        assertEquals("cannot commit area 'm': state store " + dir.resolve("state.db") + " is closed", e.getMessage());
    }

    static boolean isRoot() throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }
}
