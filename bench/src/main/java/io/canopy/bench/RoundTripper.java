package io.canopy.bench;

import java.util.concurrent.CompletableFuture;

/**
 * One way of making a request/response round trip, so that {@link RoundTrips} measures Canopy and
 * its baseline with the same loop.
 */
interface RoundTripper extends AutoCloseable {
    /** Sends one request; the future completes when its answer has arrived. Any thread may call. */
    CompletableFuture<?> send();

    @Override
    void close();
}
