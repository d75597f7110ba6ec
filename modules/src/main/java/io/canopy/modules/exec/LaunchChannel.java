package io.canopy.modules.exec;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A conversation with one canopy-launch: its frames come in on {@code in}, ours go out on
 * {@code out}; closing it tells the launcher the broker has gone, which kills the job.
 *
 * @param in       frames from the launcher
 * @param out      frames to the launcher
 * @param closer   ends the conversation (kills the launcher's process, or closes the socket)
 * @param describe for log lines: which launcher this is
 */
record LaunchChannel(InputStream in, OutputStream out, Closeable closer, String describe) implements Closeable {
    @Override
    public void close() {
        try {
            closer.close();
        } catch (java.io.IOException e) {
            // already gone
        }
    }
}
