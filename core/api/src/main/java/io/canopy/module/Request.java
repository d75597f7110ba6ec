package io.canopy.module;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request as a module's handler sees it: who sent it, what it carries, and how to answer. Answer
 * exactly once with {@link #respond} or {@link #respondError}; later answers are ignored with a
 * logged warning. A request may be answered later, from another callback on the module thread.
 */
public interface Request {

    /** The full topic, e.g. {@code hello.greet}. */
    String topic();

    /** The uid of the original sender, as authenticated by the connector it came through. */
    int userid();

    /** The sender's {@link io.canopy.message.Role} bits. */
    int rolemask();

    /** True when the sender has the owner role. */
    boolean isOwner();

    /** The raw MessagePack body. */
    byte[] payloadBytes();

    /**
     * The body mapped to {@code type} with Jackson.
     *
     * @throws RpcException EPROTO when the body does not map to {@code type}
     */
    <T> T payload(Class<T> type) throws RpcException;

    /** The body as a JSON-like tree (an empty object for an empty body). */
    JsonNode payloadTree() throws RpcException;

    /** Answers with {@code body} mapped to MessagePack ({@code null}: an empty body). */
    void respond(Object body);

    /**
     * Sends one part of a streamed answer (the request goes on; finish it with {@link #respond} or
     * {@link #respondError}). Callers that asked with a streaming client call see every part; a
     * part sent after the final answer is dropped with a logged warning.
     */
    void respondPart(Object body);

    /** Answers with an error; {@code message} should say what happened and what to do. */
    void respondError(int errnum, String message);
}
