package io.canopy.overlay.zmq;

/**
 * Names of the control messages brokers exchange with their direct neighbours (never routed):
 * see the overlay section of {@code docs/wire-protocol.md}.
 */
final class Control {
    /** child to parent: {rank, host, version, instance, uuid}. */
    static final String HELLO = "hello";
    /** parent to child: {state, uuid}. */
    static final String HELLO_OK = "hello-ok";
    /** parent to child: {reason, retry}. */
    static final String HELLO_REFUSED = "hello-refused";
    /** both ways, every keepalive period: {state} from the parent. */
    static final String HEARTBEAT = "heartbeat";
    /** parent to child: its new state. */
    static final String STATE = "state";
    /** child to parent: leaving on purpose (offline, not lost). */
    static final String GOODBYE = "goodbye";
    /** parent to child: drop the link and join again (administrative disconnect). */
    static final String DISCONNECT = "disconnect";
    /** parent to an unknown peer: say hello first. */
    static final String REJOIN = "rejoin";

    private Control() {}
}
