package io.canopy.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The baseline's client, built like {@code CanopyClient} without the codec: callers write a frame
 * under a lock and get a future; one reader thread reads the echoes (which come back in order) and
 * completes the futures. So Canopy and the baseline pay the same thread hand-offs on the client side.
 */
final class EchoClient implements RoundTripper {
    private final SocketChannel channel;
    private final byte[] frame;
    private final Queue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
    private final Object writeLock = new Object();
    private final Thread reader;

    /** A client sending {@code frame} (a whole envelope, length prefix included) on every call. */
    EchoClient(Path socket, byte[] frame) throws IOException {
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        this.channel.connect(UnixDomainSocketAddress.of(socket));
        this.frame = frame.clone();
        this.reader = new Thread(this::readLoop, "echo-client-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    @Override
    public CompletableFuture<?> send() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        ByteBuffer out = ByteBuffer.wrap(frame);
        try {
            synchronized (writeLock) {
                pending.add(f);
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            }
        } catch (IOException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    private void readLoop() {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        try {
            while (true) {
                in.clear().limit(4);
                Frames.fill(channel, in);
                in.limit(4 + in.getInt(0));
                Frames.fill(channel, in);
                CompletableFuture<Void> f = pending.poll();
                if (f != null) {
                    f.complete(null);
                }
            }
        } catch (IOException e) {
            CompletableFuture<Void> f;
            while ((f = pending.poll()) != null) {
                f.completeExceptionally(e);
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
