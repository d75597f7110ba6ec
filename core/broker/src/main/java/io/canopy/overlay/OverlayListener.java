package io.canopy.overlay;

import io.canopy.message.Message;

/**
 * What the overlay tells its broker. Called on the overlay's thread: implementations hand the
 * work to the broker thread.
 */
public interface OverlayListener {

    /** A message from the parent (request, response or event). */
    void fromParent(Message message);

    /** A message from a child (request, response or event). */
    void fromChild(int rank, Message message);

    /** The hello was accepted; the parent is in {@code parentState}. */
    void parentUp(String parentState);

    /**
     * As {@link #parentUp(String)}, with the parent's session: an id the parent process keeps for
     * its life (null from a parent that sends none). The same session as before a link drop means
     * the same parent process, which still waits for the answers this broker owed it.
     */
    default void parentUp(String parentState, String parentSession) {
        parentUp(parentState);
    }

    /** The parent announced a new state. */
    void parentState(String state);

    /** The link to the parent is gone ({@code why} says how); the overlay keeps retrying. */
    void parentDown(String why);

    /** A child's status changed. */
    void childStatus(int rank, PeerStatus status, String why);

    /**
     * The broker's state now, as a child's hello should see it; children are accepted only once
     * the broker is past init.
     */
    String stateForHello();

    /**
     * A peer was refused: it does not hold the instance certificate, its handshake failed, or its
     * hello was wrong (another instance, version, rank or host). {@code peer} names it as well as the
     * overlay can (an address, or {@code host (rank N)}). For {@code canopy overlay errors}.
     */
    default void refused(String peer, String why) {}

    /**
     * Ends one round of reports: the overlay calls this after every wake-up of its thread in which
     * it may have called the methods above, so a listener that queues reports for another thread
     * can hand over a whole round (often many messages) in one go instead of waking that thread
     * once a message. Reports must still be handed over in the order they came. Every overlay must
     * call it: the broker's listener hands reports to the broker thread only then.
     */
    default void endOfRound() {}
}
