package io.canopy.broker;

import io.canopy.message.Message;

/**
 * Something attached to a broker that sends and receives messages: a local client connection or a
 * loaded module (later also a TBON peer). Its {@link #id()} is the hop a request records in its
 * route, so the response can find the way back.
 */
public interface Endpoint {

    /** Unique within a broker, e.g. {@code c42} for a client or {@code m:hello} for a module. */
    String id();

    /**
     * Hands {@code message} to this endpoint. Called on the broker thread; must not block (queue the
     * message and return).
     */
    void deliver(Message message);
}
