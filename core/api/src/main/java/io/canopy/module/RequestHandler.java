package io.canopy.module;

/**
 * Handles one request to a served topic, on the module thread. It answers with
 * {@link Request#respond} now or later; throwing {@link RpcException} answers with that error.
 * Any other exception answers the caller with EIO and unloads the module.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(Request request) throws Exception;
}
