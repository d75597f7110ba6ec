package io.canopy.statestore;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;

/**
 * The open MapDB file behind a {@link DurableStore}: one lock around every read and commit, and
 * recovery from a failed commit. MapDB cannot always roll back after a write to its log failed (it
 * throws on the next use instead), so after any failed commit the file is closed and opened again,
 * which replays the log up to the last commit that succeeded. If that reopen fails too (the disk is
 * still full), the next read or commit tries again.
 *
 * <p>Opening an existing file first opens it read-only to check it is a Canopy state store of a
 * format this build reads, so that a file MapDB refuses is refused before anything could write to
 * it. That check is skipped while a write-ahead log lies beside the file (the broker died during a
 * commit): only the read-write open replays the log.
 */
final class StateDb {
    private final Path file;
    private final Origin origin;
    private DB db;
    private boolean closed;

    private StateDb(Path file, DB db) {
        this.file = file;
        this.origin = Origin.stateStore(file);
        this.db = db;
    }

    static StateDb open(Path file) throws IOException {
        return new StateDb(file, connect(file, Origin.stateStore(file)));
    }

    Path file() {
        return file;
    }

    /** What {@code reader} finds in the committed state. */
    synchronized <T> T read(Function<DB, T> reader) {
        try {
            return reader.apply(current());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (DBException e) {
            throw new UncheckedIOException(new IOException("cannot read " + origin.what() + ": "
                    + StorageFailure.reason(e), e));
        }
    }

    /**
     * Makes {@code changes} durable in one commit, or none of them.
     *
     * @param what names the change in the error, e.g. {@code area 'resource'}
     * @throws RpcException ENOSPC or EIO when the commit fails; the committed state is kept
     */
    synchronized void commit(String what, Consumer<DB> changes) throws RpcException {
        DB d;
        try {
            d = current();
        } catch (IOException e) {
            throw new RpcException(Errno.EIO, "cannot commit " + what + ": " + e.getMessage(), e);
        }
        try {
            changes.accept(d);
            d.commit();
        } catch (RuntimeException e) {
            int errnum = StorageFailure.errno(e);
            String reopen = reopenAfterFailure(d);
            throw new RpcException(errnum, "cannot commit " + what + " to " + origin.what() + ": "
                    + StorageFailure.reason(e) + "; the previously committed state is kept: "
                    + StorageFailure.fix(errnum) + reopen, e);
        }
    }

    /** Closes the file; what was committed stays, and nothing else is written. */
    synchronized void close() throws IOException {
        closed = true;
        if (db != null) {
            DB d = db;
            db = null;
            try {
                d.close();
            } catch (DBException e) {
                throw new IOException("cannot close " + origin.what() + ": " + StorageFailure.reason(e)
                        + "; what was committed is in its write-ahead log and is replayed at the next open", e);
            }
        }
    }

    private DB current() throws IOException {
        if (closed) {
            throw new IOException(origin.what() + " is closed");
        }
        if (db == null) {
            db = connect(file, origin);
        }
        return db;
    }

    private String reopenAfterFailure(DB broken) {
        db = null;
        try {
            broken.rollback();
        } catch (RuntimeException e) {
            // Expected after a failed log write; the reopen below restores the committed state.
        }
        try {
            broken.close();
        } catch (RuntimeException e) {
            // Same: the file is opened again from what is on disk.
        }
        try {
            db = connect(file, origin);
            return "";
        } catch (IOException e) {
            return " (the store could not be reopened yet: " + e.getMessage() + "; it is tried again at the next use)";
        }
    }

    private static DB connect(Path file, Origin origin) throws IOException {
        boolean existed = Files.exists(file);
        if (existed && !hasLog(file)) {
            probe(file, origin);
        }
        DB db = make(file, origin, existed, false);
        try {
            if (db.getAllNames().iterator().hasNext()) {
                Layout.checkFormat(db, Layout.KIND_STATE, origin);
            } else {
                Layout.writeMeta(db, Layout.KIND_STATE);
                db.commit();
            }
            return db;
        } catch (IOException | RuntimeException e) {
            try {
                db.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot open " + origin.what() + ": " + StorageFailure.reason(e), e);
        }
    }

    private static void probe(Path file, Origin origin) throws IOException {
        try (DB db = make(file, origin, true, true)) {
            Layout.checkFormat(db, Layout.KIND_STATE, origin);
        } catch (DBException e) {
            throw openFailure(e, origin, true);
        }
    }

    /**
     * Transactions (a write-ahead log, synced at each commit) so that a killed broker loses
     * nothing it committed; FileChannel I/O for the reasons {@link DurableStore} gives.
     */
    private static DB make(Path file, Origin origin, boolean existed, boolean readOnly) throws IOException {
        DBMaker.Maker maker = DBMaker.fileDB(file.toFile()).fileChannelEnable();
        maker = readOnly ? maker.readOnly() : maker.transactionEnable();
        try {
            return maker.make();
        } catch (DBException.FileLocked e) {
            throw new IOException(origin.what() + " is already open, in another broker or process: stop that "
                    + "one, or give this broker its own statedir", e);
        } catch (DBException e) {
            throw openFailure(e, origin, existed);
        } catch (RuntimeException e) {
            // MapDB reads its name catalog while opening: a damaged record there throws what the
            // reading hit (IndexOutOfBoundsException, ...), not a DBException.
            throw openFailure(e, origin, existed);
        }
    }

    /**
     * A file MapDB finds wrong is damaged; one it cannot read or write (no space, no permission)
     * is not, and must not be moved aside for it.
     */
    private static IOException openFailure(RuntimeException e, Origin origin, boolean existed) {
        String reason = StorageFailure.reason(e);
        boolean ioError = e instanceof DBException.VolumeIOError && !(e.getCause() instanceof EOFException);
        if (existed && !ioError) {
            return origin.damaged(reason, e);
        }
        String fix = StorageFailure.errno(e) == Errno.ENOSPC ? "free space on that file system"
                : existed ? "check the file's permissions and the disk"
                : "make its directory writable by this user, or set statedir to one that is";
        return new IOException("cannot " + (existed ? "open " : "create ") + origin.what() + ": " + reason + "; " + fix, e);
    }

    private static boolean hasLog(Path file) throws IOException {
        String prefix = file.getFileName() + ".wal.";
        try (var names = Files.list(file.getParent())) {
            return names.anyMatch(p -> p.getFileName().toString().startsWith(prefix));
        }
    }
}
