package io.canopy.overlay.memory;

import io.canopy.message.Message;

/**
 * What two neighbouring {@link MemoryOverlay}s say to each other: the control messages of the real
 * overlay (docs/wire-protocol.md, "The overlay") as records, and {@link Data} for a routed message.
 * They are handed over as objects, never encoded: {@link Message} is an immutable value.
 */
sealed interface Signal {
    /** child to parent: admit me (the sender's identity travels with the delivery). */
    record Hello(int rank, String host) implements Signal {}

    /** parent to child: admitted; the parent is in {@code state}, its process is {@code session}. */
    record HelloOk(String state, String session) implements Signal {}

    /** parent to child: not admitted; {@code retry} when only because the parent is not ready. */
    record HelloRefused(String reason, boolean retry) implements Signal {}

    /** both ways, every keepalive period; the parent's carries its state. */
    record Heartbeat(String state) implements Signal {}

    /** parent to child: its new state. */
    record State(String state) implements Signal {}

    /** child to parent: leaving on purpose (offline, not lost). */
    record Goodbye() implements Signal {}

    /** parent to child: drop the link and join again (administrative disconnect). */
    record Disconnect(String reason) implements Signal {}

    /** parent to a peer it has not admitted: say hello first. */
    record Rejoin() implements Signal {}

    /** A request, response or event for the broker. */
    record Data(Message message) implements Signal {}
}
