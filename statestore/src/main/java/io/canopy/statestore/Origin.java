package io.canopy.statestore;

import java.io.IOException;

/**
 * What a checkpoint or store is called in error messages, and what its owner should do about a
 * refusal: a file on disk is left in place and can be moved aside, bytes handed up cannot.
 *
 * @param what        e.g. {@code checkpoint /var/lib/canopy/rank-3.cpt}
 * @param newerFix    what to do about a newer format
 * @param damagedNote what happened to the damaged original, and what to do
 */
record Origin(String what, String newerFix, String damagedNote) {

    static Origin checkpointFile(java.nio.file.Path file) {
        return new Origin("checkpoint " + file, "upgrade Canopy or move the file aside",
                "; it was left in place");
    }

    static Origin handedUp(int size) {
        return new Origin("checkpoint handed up (" + size + " bytes)",
                "upgrade Canopy on this broker to the version of the brokers below it", "");
    }

    static Origin stateStore(java.nio.file.Path file) {
        return new Origin("state store " + file,
                "upgrade Canopy or move the file aside to start with empty state",
                "; it was left in place: move it aside to start with empty state, or restore it from a backup");
    }

    IOException newer(int version) {
        return new IOException(what + " has format version " + version + "; this Canopy reads version "
                + CheckpointFile.FORMAT_VERSION + ": " + newerFix);
    }

    IOException damaged(String reason, Throwable cause) {
        return new IOException(what + " is damaged: " + reason + damagedNote, cause);
    }

    IOException damaged(String reason) {
        return damaged(reason, null);
    }
}
