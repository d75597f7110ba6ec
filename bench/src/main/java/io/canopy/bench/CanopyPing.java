package io.canopy.bench;

import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import java.util.concurrent.CompletableFuture;

/** Canopy's side of {@link LocalRpcBench}: {@code broker.ping} through a real {@link CanopyClient}. */
final class CanopyPing implements RoundTripper {
    private final CanopyClient client;
    private final Message request;

    CanopyPing(CanopyClient client, Message request) {
        this.client = client;
        this.request = request;
    }

    @Override
    public CompletableFuture<?> send() {
        return client.send(request);
    }

    @Override
    public void close() {
        client.close();
    }
}
