package io.canopy.statestore;

import io.canopy.broker.CheckpointStore;
import io.canopy.broker.StagedArea;
import io.canopy.module.Checkpoint;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leader's checkpoints, kept in one MapDB file, {@code statedir/state.db}, so that a drain or a
 * job record committed by a module survives the leader being killed, not only a clean shutdown.
 * It also holds the checkpoints the leader's children handed up, to hand back when they start.
 *
 * <p>MapDB mode, chosen by measurement on this project's 2-core machines (Java 17, MapDB 3.1.0, all
 * with transactions, which the store needs: a write-ahead log synced at each commit, so a killed
 * broker loses nothing it committed). Single runs, noisy (other builds were running):
 * <table>
 *   <caption>FileChannel against memory mapping and RandomAccessFile</caption>
 *   <tr><th>I/O</th><th>one 200-byte put per commit</th><th>written per such commit</th>
 *       <th>100,000 puts, one commit</th><th>reopen, read 100,000</th></tr>
 *   <tr><td>FileChannel (chosen)</td><td>1.5-1.8 ms</td><td>86 KB</td><td>8-24 s</td><td>2.3-7.8 s</td></tr>
 *   <tr><td>RandomAccessFile</td><td>1.6-5.7 ms</td><td>82 KB</td><td>15-24 s</td><td>8-18 s</td></tr>
 *   <tr><td>memory-mapped</td><td>6.6-7.8 ms</td><td>1,070 KB</td><td>2.3-8 s</td><td>0.6-2 s</td></tr>
 * </table>
 * The leader commits small changes often (a drain, a job's new state), and memory mapping is worst
 * there: MapDB starts a log file per commit and, mapped, first writes 1 MB of zeros into it. Turning
 * that off ({@code fileMmapPreclearDisable}) makes a full disk a SIGBUS instead of an exception.
 * FileChannel is the fastest for small commits, never maps the file, and reports ENOSPC as an
 * exception; bulk loads, rare on the leader, are the price.
 *
 * <p>Each area stages its changes in memory until the module commits; a failed commit keeps them
 * staged and leaves the committed state as it was. {@link #close()} writes nothing: changes still
 * staged then are discarded (the broker commits each module's area when the module stops, before it
 * closes the store).
 */
public final class DurableStore implements CheckpointStore {
    /** The store's file name in the state directory. */
    public static final String FILE_NAME = "state.db";

    private final StateDb db;
    private final Map<String, StagedArea> areas = new ConcurrentHashMap<>();

    private DurableStore(StateDb db) {
        this.db = db;
    }

    /**
     * Opens {@code statedir/state.db}, creating the directory and the file if they are missing.
     *
     * @throws IOException naming the path and the fix when the directory cannot be written or the
     *                     file is damaged, of a newer format, or open in another process; the
     *                     file is then left as it was
     */
    public static DurableStore open(Path statedir) throws IOException {
        Path dir = statedir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create state directory " + dir + ": " + StorageFailure.reason(e, dir)
                    + "; create it, or set statedir in the [broker] table to a directory this user can write", e);
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("state directory " + dir + " is not writable by this user; fix its "
                    + "permissions, or set statedir in the [broker] table to a directory this user can write");
        }
        return new DurableStore(StateDb.open(dir.resolve(FILE_NAME)));
    }

    /** The store's file. */
    public Path file() {
        return db.file();
    }

    @Override
    public Checkpoint area(String module) {
        return areas.computeIfAbsent(module, m -> new StagedArea(new DurableArea(db, m)));
    }

    /**
     * Keeps, durably, the checkpoint child {@code rank} handed up, replacing its previous one.
     *
     * @throws RpcException ENOSPC or EIO when it cannot be committed; the previous one is kept
     */
    public void saveChild(int rank, byte[] checkpoint) throws RpcException {
        byte[] copy = checkpoint.clone();
        db.commit("the checkpoint of child " + rank, d -> Layout.children(d).put(rank, copy));
    }

    /**
     * Keeps, durably and in one commit, the checkpoints {@code children} (rank to checkpoint) handed
     * up, replacing their previous ones: a leader with 1,000 children at a full shutdown makes one
     * commit (one fsync), not 1,000.
     *
     * @throws RpcException ENOSPC or EIO when they cannot be committed; the previous ones are kept
     */
    public void saveChildren(Map<Integer, byte[]> children) throws RpcException {
        Map<Integer, byte[]> copies = new java.util.TreeMap<>();
        children.forEach((rank, cp) -> copies.put(rank, cp.clone()));
        db.commit("the checkpoints of " + copies.size() + " children", d -> Layout.children(d).putAll(copies));
    }

    /** The checkpoint child {@code rank} handed up last, if any. */
    public Optional<byte[]> child(int rank) {
        return db.read(d -> d.exists(Layout.CHILDREN) ? Optional.ofNullable(Layout.children(d).get(rank))
                : Optional.empty());
    }

    /** The committed state of every area that has any, and every child's checkpoint, as of now. */
    public Snapshot snapshot(int rank, String host) {
        return db.read(d -> Snapshot.of(rank, host, Layout.readAreas(d), Layout.readChildren(d)));
    }

    /**
     * Replaces the committed areas and children with those of {@code s}, in one commit. Changes
     * that areas have staged are kept staged.
     *
     * @throws RpcException ENOSPC or EIO when it cannot be committed; the previous state is kept
     */
    public void restore(Snapshot s) throws RpcException {
        db.commit("the snapshot of rank " + s.rank(), d -> {
            Layout.modules(d).forEach(module -> Layout.area(d, module).clear());
            Layout.children(d).clear();
            s.areas().forEach((module, values) -> Layout.area(d, module).putAll(values));
            Layout.children(d).putAll(s.children());
        });
    }

    /** Closes the file: what was committed stays; changes still staged in areas are discarded. */
    @Override
    public void close() throws IOException {
        db.close();
    }
}
