package io.canopy.overlay;

import io.canopy.message.Message;
import java.io.IOException;

/**
 * The tree-based overlay network as the broker uses it: one link up to the parent, links down to
 * the children, hello and heartbeats handled inside. Implemented over ZeroMQ in
 * {@code overlay-zmq}; the broker knows only this interface.
 *
 * <p>Sends are called on the broker thread and never block; what arrives is reported to the
 * {@link OverlayListener} from the overlay's own thread, or from the broker's when the broker runs
 * the overlay on its loop ({@link #attach}).
 */
public interface Overlay extends AutoCloseable {

    /**
     * Binds for children (if any), starts joining the parent (if any) and starts heartbeats, on a
     * thread of the overlay's own.
     */
    void start(OverlayListener listener) throws IOException;

    /**
     * Like {@link #start}, but without a thread of its own: the caller's loop thread runs the
     * overlay by calling {@link #runOnce} between its own tasks, and the listener is called on
     * that thread. This spares every message crossing a broker two thread hand-offs. Returns false
     * (having done nothing) when this overlay runs only on its own thread.
     */
    default boolean attach(OverlayListener listener) throws IOException {
        return false;
    }

    /**
     * For an attached overlay, on the loop thread: waits up to {@code maxWaitMillis} for anything
     * to read, a timer, or {@link #wakeup}, then reads every link, runs its timers and what other
     * threads asked of it. The first thread to call it owns the overlay from then on. Returns at
     * once when the overlay is closed.
     */
    default void runOnce(long maxWaitMillis) {}

    /** For an attached overlay, from any thread: makes a waiting {@link #runOnce} return soon. */
    default void wakeup() {}

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

    @Override
    void close();
}
