package io.canopy.client;

import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A connection to a broker's local socket, for the CLI, tests and other tools: send requests
 * (pipelined, each with its own matchtag), wait for their responses, and receive events. One
 * reader thread completes the futures; any thread may send.
 */
public final class CanopyClient implements AutoCloseable {
    /** Where a system instance's broker listens when neither CANOPY_URI nor --uri says otherwise. */
    public static final Path SYSTEM_SOCKET = Path.of("/run/canopy/local");

    private final Path path;
    private final SocketChannel channel;
    private final MessageCodec codec;
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    private final Map<Long, Consumer<Message>> streams = new ConcurrentHashMap<>();
    private final AtomicLong nextTag = new AtomicLong(1);
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile Consumer<Message> eventListener = m -> {};
    private volatile IOException failure;

    private CanopyClient(Path path, SocketChannel channel, MessageCodec codec) {
        this.path = path;
        this.channel = channel;
        this.codec = codec;
        this.reader = new Thread(this::readLoop, "canopy-client-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Connects to the broker listening on {@code socket}.
     *
     * @throws IOException saying which path failed and what to check
     */
    public static CanopyClient connect(Path socket) throws IOException {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new CanopyClient(socket, ch, new MessageCodec());
        } catch (IOException e) {
            String why = Files.exists(socket) ? e.getMessage() : "no such socket";
            throw new IOException("cannot connect to broker at " + socket + ": " + why
                    + "; is a broker running there? Check CANOPY_URI or --uri, or start one with `canopy start`", e);
        }
    }

    /**
     * The socket path a URI names: {@code local:///path}, or a plain path. {@code null} or empty
     * means the system instance's socket.
     */
    public static Path socketFromUri(String uri) {
        if (uri == null || uri.isBlank()) {
            return SYSTEM_SOCKET;
        }
        if (uri.startsWith("local://")) {
            return Path.of(uri.substring("local://".length()));
        }
        if (uri.contains("://")) {
            throw new IllegalArgumentException("unsupported URI '" + uri + "': use local:///path/to/local");
        }
        return Path.of(uri);
    }

    public Path path() {
        return path;
    }

    /** Events the broker sends this client (after {@code event.subscribe}) go to {@code listener}. */
    public void onEvent(Consumer<Message> listener) {
        this.eventListener = listener;
    }

    /**
     * Sends a request and returns its response future. The future fails with
     * {@link RpcException} on an error response and {@code ECONNRESET} when the connection drops.
     */
    public CompletableFuture<Message> send(Message request) {
        return send(nextTag.getAndIncrement(), request);
    }

    private CompletableFuture<Message> send(long tag, Message request) {
        CompletableFuture<Message> future = new CompletableFuture<>();
        if (!request.hasFlag(Message.FLAG_NORESPONSE)) {
            pending.put(tag, future);
        }
        try {
            ByteBuffer frame = codec.encodeEnvelope(request.withMatchtag(tag));
            IOException dead = failure;
            if (dead != null) {
                throw dead;
            }
            synchronized (writeLock) {
                while (frame.hasRemaining()) {
                    channel.write(frame);
                }
            }
            if (request.hasFlag(Message.FLAG_NORESPONSE)) {
                future.complete(null);
            }
        } catch (CodecException e) {
            pending.remove(tag);
            future.completeExceptionally(new RpcException(Errno.EMSGSIZE, e.getMessage()));
        } catch (IOException e) {
            pending.remove(tag);
            future.completeExceptionally(connectionLost(e));
        }
        return future;
    }

    /**
     * Sends a request whose service answers several times: every response flagged streaming goes
     * to {@code each} (on the reader thread); the future completes with the last, unflagged one.
     */
    public CompletableFuture<Message> stream(Message request, Consumer<Message> each) {
        long tag = nextTag.getAndIncrement();
        streams.put(tag, each);
        CompletableFuture<Message> f = send(tag, request);
        f.whenComplete((m, e) -> streams.remove(tag));
        return f;
    }

    /** Sends {@code topic} to {@code nodeid} with {@code body} (mapped to MessagePack). */
    public CompletableFuture<Message> send(String topic, int nodeid, Object body) {
        // An empty or raw body needs no Jackson (which costs a short-lived CLI about 100 ms to load).
        byte[] raw = body == null ? new byte[0] : body instanceof byte[] b ? b : Payloads.encode(body);
        return send(Message.request(topic, nodeid, 0, raw));
    }

    /**
     * Sends a request and waits for its response.
     *
     * @throws RpcException the error response, ECONNRESET on a lost connection, ETIMEDOUT
     */
    public Message call(String topic, int nodeid, Object body, Duration timeout) throws RpcException {
        return await(send(topic, nodeid, body), topic, timeout);
    }

    /**
     * Waits for the answer to a request to {@code topic} already sent (null timeout: for as long as
     * it takes), as {@link #call} does.
     *
     * @throws RpcException the error response, ECONNRESET on a lost connection, ETIMEDOUT
     */
    public static Message await(CompletableFuture<Message> f, String topic, Duration timeout) throws RpcException {
        try {
            return timeout == null ? f.get() : f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RpcException r) {
                throw r;
            }
            throw new RpcException(Errno.EIO, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new RpcException(Errno.ETIMEDOUT, topic + " got no answer within "
                    + io.canopy.module.Durations.format(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(Errno.ECANCELED, "interrupted waiting for " + topic);
        }
    }

    /** Like {@link #call(String, int, Object, Duration)}, mapping the answer to {@code type}. */
    public <T> T call(String topic, int nodeid, Object body, Duration timeout, Class<T> type) throws RpcException {
        return Payloads.decode(call(topic, nodeid, body, timeout).payload(), type);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            reader.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readLoop() {
        ByteBuffer len = ByteBuffer.allocate(4);
        try {
            while (true) {
                len.clear();
                fill(len);
                int n = codec.checkEnvelopeLength(len.getInt(0));
                ByteBuffer body = ByteBuffer.allocate(n);
                fill(body);
                Message m = codec.decodeEnvelope(body.array());
                if (m.type() == MessageType.RESPONSE) {
                    if (m.hasFlag(Message.FLAG_STREAMING) && !m.isError()) {
                        Consumer<Message> each = streams.get(m.matchtag());
                        if (each != null) {
                            each.accept(m);
                        }
                        continue;
                    }
                    CompletableFuture<Message> f = pending.remove(m.matchtag());
                    if (f != null) {
                        if (m.isError()) {
                            f.completeExceptionally(new RpcException(m.errnum(),
                                    m.errstr() == null ? Errno.name(m.errnum()) : m.errstr()));
                        } else {
                            f.complete(m);
                        }
                    }
                } else if (m.type() == MessageType.EVENT) {
                    eventListener.accept(m);
                }
            }
        } catch (IOException | CodecException e) {
            failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            RpcException lost = connectionLost(failure);
            pending.values().forEach(f -> f.completeExceptionally(lost));
            pending.clear();
        }
    }

    private void fill(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new EOFException("the broker closed the connection");
            }
        }
    }

    private RpcException connectionLost(IOException e) {
        return new RpcException(Errno.ECONNRESET, "lost connection to broker at " + path + ": "
                + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    }
}
