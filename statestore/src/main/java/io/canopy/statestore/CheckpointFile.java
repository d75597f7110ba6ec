package io.canopy.statestore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.volume.SingleByteArrayVol;

/**
 * The checkpoint file a broker writes at shutdown and hands up to its parent: one MapDB file laid
 * out as {@link Layout} says, with a format version that readers check before they trust anything
 * else in it.
 *
 * <p>A file is written once, so it needs no write-ahead log: it is built in a scratch directory
 * beside its final place (memory-mapped, the fastest MapDB mode), synced, and renamed over the old one,
 * so a crash or a full disk leaves the previous checkpoint as it was. Files are read by loading
 * their bytes and opening them in memory, read-only, so reading never changes a file.
 *
 * <p>{@link #toBytes} gives the same file compressed with zlib: a MapDB file is at least 2 MB,
 * mostly zeros, and one message carries it up the tree.
 */
public final class CheckpointFile {
    /** The format this Canopy writes, and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    private CheckpointFile() {}

    /**
     * Writes {@code s} to {@code file}, replacing any previous checkpoint there at once.
     *
     * @throws IOException saying what happened when it cannot be written (a full disk, say); the
     *                     previous file is then as it was and no temporary file is left behind
     */
    public static void write(Path file, Snapshot s) throws IOException {
        requireCurrentFormat(s);
        Path target = file.toAbsolutePath();
        Path scratch = null;
        try {
            // MapDB will not start a store in an existing empty file, so the unique name is a directory.
            scratch = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".");
            Path tmp = scratch.resolve(target.getFileName());
            build(tmp, s);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | DBException | InternalError e) {
            // InternalError is how the JVM reports a failed write to a memory-mapped file.
            throw new IOException("cannot write checkpoint " + target + ": " + StorageFailure.reason(e)
                    + (Files.exists(target) ? "; the previous checkpoint is kept" : "; none was written"), e);
        } finally {
            deleteQuietly(scratch);
        }
        syncDirectory(target.getParent());
    }

    /**
     * Reads the checkpoint in {@code file} without changing it.
     *
     * @throws IOException when the file cannot be read, is damaged, or has a newer format
     */
    public static Snapshot read(Path file) throws IOException {
        Path source = file.toAbsolutePath();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(source);
        } catch (IOException e) {
            throw new IOException("cannot read checkpoint " + source + ": " + StorageFailure.reason(e, source), e);
        }
        return decode(bytes, Origin.checkpointFile(source));
    }

    /** The checkpoint file of {@code s}, compressed, to hand up the tree in one message. */
    public static byte[] toBytes(Snapshot s) throws IOException {
        requireCurrentFormat(s);
        Path scratch = Files.createTempDirectory("canopy-checkpoint.");
        Path tmp = scratch.resolve("checkpoint");
        try {
            build(tmp, s);
            return compress(Files.readAllBytes(tmp));
        } catch (DBException | InternalError e) {
            throw new IOException("cannot build a checkpoint in " + tmp + ": " + StorageFailure.reason(e), e);
        } finally {
            deleteQuietly(scratch);
        }
    }

    /**
     * The snapshot in bytes that {@link #toBytes} made.
     *
     * @throws IOException when they are damaged or of a newer format
     */
    public static Snapshot fromBytes(byte[] bytes) throws IOException {
        Origin origin = Origin.handedUp(bytes.length);
        byte[] file;
        try {
            file = decompress(bytes);
        } catch (IOException e) {
            // Only the bytes can be wrong: the streams are in memory.
            throw origin.damaged("it is not a zlib-compressed checkpoint: " + e.getMessage(), e);
        }
        return decode(file, origin);
    }

    private static void requireCurrentFormat(Snapshot s) {
        if (s.formatVersion() != FORMAT_VERSION) {
            throw new IllegalArgumentException("this Canopy writes checkpoint format " + FORMAT_VERSION
                    + ", not " + s.formatVersion() + ": take the snapshot with Snapshot.of");
        }
    }

    private static void build(Path tmp, Snapshot s) throws IOException {
        try (DB db = DBMaker.fileDB(tmp.toFile()).fileMmapEnableIfSupported().cleanerHackEnable().make()) {
            Layout.writeSnapshot(db, s);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Any exception while parsing bytes that came from elsewhere means they are damaged. */
    private static Snapshot decode(byte[] file, Origin origin) throws IOException {
        DB db;
        try {
            db = DBMaker.volumeDB(new SingleByteArrayVol(file), true).readOnly().make();
        } catch (RuntimeException e) {
            throw origin.damaged(StorageFailure.reason(e), e);
        }
        try (db) {
            Layout.checkFormat(db, Layout.KIND_CHECKPOINT, origin);
            return Layout.readSnapshot(db, origin);
        } catch (RuntimeException e) {
            throw origin.damaged(StorageFailure.reason(e), e);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // The rename is done; a file system that cannot sync a directory does not undo it.
        }
    }

    /** Deletes a scratch directory and what is in it; a failure to is not the failure to report. */
    private static void deleteQuietly(Path scratch) {
        if (scratch == null) {
            return;
        }
        try (Stream<Path> files = Files.list(scratch)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            // Nothing more can be done here.
        }
    }

    private static byte[] compress(byte[] raw) throws IOException {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 8 + 64);
        try (OutputStream z = new DeflaterOutputStream(out, deflater)) {
            z.write(raw);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }

    private static byte[] decompress(byte[] packed) throws IOException {
        try (InputStream z = new InflaterInputStream(new ByteArrayInputStream(packed))) {
            return z.readAllBytes();
        }
    }
}
