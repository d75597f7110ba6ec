package io.canopy.statestore;

import io.canopy.message.Errno;
import java.io.EOFException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Turns what MapDB and the JDK throw when storage fails into words for a person and an errno:
 * MapDB wraps the {@code IOException} that says "No space left on device" a layer or two deep, and
 * its own messages carry advice for MapDB users, not Canopy's.
 */
final class StorageFailure {
    private StorageFailure() {}

    /** The most specific description in the cause chain of {@code e}. */
    static String reason(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String d = describe(t);
            if (d != null) {
                best = d;
            }
        }
        return best != null ? best : e.getClass().getSimpleName();
    }

    /** {@link #reason(Throwable)}, without repeating {@code subject} where the message is about it. */
    static String reason(Throwable e, java.nio.file.Path subject) {
        String r = reason(e);
        String prefix = subject + ": ";
        return r.startsWith(prefix) ? r.substring(prefix.length()) : r;
    }

    /** {@link Errno#ENOSPC} when the file system is full, else {@link Errno#EIO}. */
    static int errno(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return Errno.ENOSPC;
            }
        }
        return Errno.EIO;
    }

    /** What to do next, for a commit that failed with {@code errnum}. */
    static String fix(int errnum) {
        return errnum == Errno.ENOSPC ? "free space on that file system and commit again"
                : "check the disk and the system log, then commit again";
    }

    private static String describe(Throwable t) {
        if (t instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (t instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file or directory";
        }
        if (t instanceof NotDirectoryException n) {
            return n.getFile() + ": not a directory";
        }
        if (t instanceof FileSystemException f) {
            String where = f.getFile() != null ? f.getFile() + ": " : "";
            return where + (f.getReason() != null ? f.getReason() : t.getClass().getSimpleName());
        }
        if (t instanceof EOFException) {
            return "it ends early (truncated)";
        }
        if (t instanceof IndexOutOfBoundsException) {
            return "a record points past its end (truncated or overwritten)";
        }
        String m = t.getMessage();
        if (m == null || m.isBlank() || t.getCause() != null && m.equals(t.getCause().toString())) {
            return null;
        }
        int sentence = m.indexOf(". ");
        return sentence > 0 ? m.substring(0, sentence) : m;
    }
}
