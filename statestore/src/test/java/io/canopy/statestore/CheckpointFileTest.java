package io.canopy.statestore;

import static io.canopy.statestore.SnapshotTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class CheckpointFileTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenFileReadsBackTheSameSnapshot() throws IOException {
        Snapshot s = new Snapshot(1, 3, "node3", 1_700_000_000_000L,
                Map.of("resource", Map.of("drain:node3", bytes("disk failing")),
                        "job-manager", Map.of("f1", bytes("{}"), "f2", new byte[0])),
                Map.of(7, bytes("child seven"), 8, bytes("child eight")));
        Path file = dir.resolve("rank-3.cpt");

        CheckpointFile.write(file, s);

        assertEquals(s, CheckpointFile.read(file));
        assertEquals(List.of("rank-3.cpt"), names(), "no temporary file is left behind");
    }

    @Test
    void bytesCarryNestedChildrenUpTheTree() throws IOException {
        byte[] grandchild = CheckpointFile.toBytes(Snapshot.of(9, "node9",
                Map.of("resource", Map.of("k", bytes("nine"))), Map.of()));
        byte[] child = CheckpointFile.toBytes(Snapshot.of(4, "node4", Map.of(), Map.of(9, grandchild)));
        Snapshot top = Snapshot.of(1, "node1", Map.of(), Map.of(4, child));

        Snapshot back = CheckpointFile.fromBytes(CheckpointFile.toBytes(top));

        assertEquals(top, back);
        Snapshot four = CheckpointFile.fromBytes(back.children().get(4));
        Snapshot nine = CheckpointFile.fromBytes(four.children().get(9));
        assertEquals("node9", nine.host());
        assertArrayEquals(bytes("nine"), nine.area("resource").get("k"));
        assertTrue(child.length < 64 * 1024, "a small checkpoint travels small: " + child.length + " bytes");
    }

    @Test
    void writeReplacesThePreviousCheckpoint() throws IOException {
        Path file = dir.resolve("rank-2.cpt");
        CheckpointFile.write(file, Snapshot.of(2, "node2", Map.of("a", Map.of("k", bytes("old"))), Map.of()));
        CheckpointFile.write(file, Snapshot.of(2, "node2", Map.of("a", Map.of("k", bytes("new"))), Map.of()));

        assertArrayEquals(bytes("new"), CheckpointFile.read(file).area("a").get("k"));
        assertEquals(List.of("rank-2.cpt"), names());
    }

    @Test
    void hundredThousandJobRecordsRoundTrip() throws IOException {
        Random random = new Random(42);
        Map<String, byte[]> jobs = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            byte[] record = new byte[200];
            random.nextBytes(record);
            jobs.put("job-" + i, record);
        }
        Snapshot s = Snapshot.of(0, "leader", Map.of("job-manager", jobs), Map.of());
        Path file = dir.resolve("big.cpt");

        long t0 = System.nanoTime();
        CheckpointFile.write(file, s);
        long t1 = System.nanoTime();
        Snapshot back = CheckpointFile.read(file);
        long t2 = System.nanoTime();

        assertEquals(s, back);
        System.out.printf("100,000 records of 200 bytes: write %d ms, read %d ms, file %d MB%n",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, Files.size(file) >> 20);
    }

    @Test
    void aNewerFormatIsRefusedAndLeftAsItWas() throws IOException {
        Path file = dir.resolve("future.cpt");
        try (DB db = DBMaker.fileDB(file.toFile()).make()) {
            var meta = db.hashMap("meta", Serializer.STRING, Serializer.STRING).create();
            meta.put("format-version", "2");
            meta.put("kind", "checkpoint");
        }
        OnDisk before = OnDisk.of(dir);

        IOException e = assertThrows(IOException.class, () -> CheckpointFile.read(file));

        assertEquals("checkpoint " + file + " has format version 2; this Canopy reads version 1: "
                + "upgrade Canopy or move the file aside", e.getMessage());
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void aFileThatIsNotMapDbIsRefusedAsDamagedAndLeftAsItWas() throws IOException {
        Path file = dir.resolve("garbage.cpt");
        Files.write(file, "this is not a checkpoint\n".repeat(200).getBytes());
        OnDisk before = OnDisk.of(dir);

        IOException e = assertThrows(IOException.class, () -> CheckpointFile.read(file));

        assertEquals("checkpoint " + file + " is damaged: Wrong file header, not MapDB file; it was left in place",
                e.getMessage());
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void truncatedAndEmptyFilesAreRefusedAsDamagedAndLeftAsTheyWere() throws IOException {
        Path good = dir.resolve("good.cpt");
        CheckpointFile.write(good, Snapshot.of(5, "node5", Map.of("a", Map.of("k", bytes("v"))), Map.of()));
        byte[] whole = Files.readAllBytes(good);
        Files.write(dir.resolve("short.cpt"), Arrays.copyOf(whole, 100));
        Files.write(dir.resolve("half.cpt"), Arrays.copyOf(whole, whole.length / 2));
        Files.write(dir.resolve("empty.cpt"), new byte[0]);
        OnDisk before = OnDisk.of(dir);

        for (String name : List.of("short.cpt", "half.cpt", "empty.cpt")) {
            Path file = dir.resolve(name);
            IOException e = assertThrows(IOException.class, () -> CheckpointFile.read(file), name);
            assertTrue(e.getMessage().startsWith("checkpoint " + file + " is damaged: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; it was left in place"), e.getMessage());
        }
        OnDisk.of(dir).assertSameAs(before);
    }

    @Test
    void damagedBytesAreRefusedWithWhatTheyAre() {
        IOException e = assertThrows(IOException.class, () -> CheckpointFile.fromBytes(bytes("not zlib")));
        assertTrue(e.getMessage().startsWith("checkpoint handed up (8 bytes) is damaged: "), e.getMessage());
    }

    @Test
    void aFailedWriteSaysWhyAndLeavesNothingBehind() throws IOException {
        Path file = dir.resolve("missing-dir").resolve("rank-1.cpt");

        IOException e = assertThrows(IOException.class,
                () -> CheckpointFile.write(file, Snapshot.empty(1, "node1")));

        assertTrue(e.getMessage().startsWith("cannot write checkpoint " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; none was written"), e.getMessage());
        assertEquals(List.of(), names());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
