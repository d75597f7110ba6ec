package io.canopy.overlay;

import java.time.Duration;
import java.util.Optional;

import io.canopy.message.Message;
import java.io.IOException;

/**
 * The tree-based overlay network as the broker uses it: one link up to the parent, links down to
 * the children, hello and heartbeats handled inside. Implemented over ZeroMQ in
 * {@code overlay-zmq}; the broker knows only this interface.
 *
 * <p>Sends are called on the broker thread and never block; what arrives is reported to the
 * {@link OverlayListener} from the overlay's own thread.
 */
public interface Overlay extends AutoCloseable {

    /** Binds for children (if any), starts joining the parent (if any) and starts heartbeats. */
    void start(OverlayListener listener) throws IOException;

    /**
     * Sends to the parent. Returns false when the link is not up (the caller keeps the message to
     * resend after the next hello).
     */
    boolean sendToParent(Message message);

    /** Sends to a child; returns false when that child is not online. */
    boolean sendToChild(int rank, Message message);

    /** Tells every online child the broker's new state (children wait for {@code run}). */
    void announceState(String state);

    /** Drops a child's connection, telling it to go back to join (administrative disconnect). */
    void disconnectChild(int rank, String reason);

    /** Says goodbye to the parent (so it marks this broker offline, not lost). */
    void goodbye();

    /**
     * Starts a burst of sends from the calling thread (the broker thread, when it wakes to a queue
     * of tasks): until {@link #endBurst}, the overlay may hold the calling thread's sends after the
     * first, to wake its own thread less often and send them together. Sends from other threads
     * are not held.
     */
    default void beginBurst() {}

    /** Ends the burst the calling thread began: whatever was held leaves now. */
    default void endBurst() {}

    /**
     * How long {@code child} has been silent: the time since anything was last heard from it, as of
     * the overlay's last heartbeat scan (so up to one keepalive period old); empty for a child never
     * heard from, or an overlay that does not keep it. Shown by {@code canopy resource info}.
     */
    default Optional<Duration> silence(int child) {
        return Optional.empty();
    }

    @Override
    void close();
}
