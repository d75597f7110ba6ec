package io.canopy.local;

import io.canopy.broker.Endpoint;
import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client of the local socket: its credentials, its half-read frame, and the frames waiting to
 * be written to it. Reads happen on the connector thread; {@link #deliver} is called on the broker
 * thread and only queues.
 */
final class ClientConnection implements Endpoint {
    private static final Logger LOG = LogManager.getLogger(ClientConnection.class);
    private static final int READ_BUFFER = 64 * 1024;

    private final String id;
    private final SocketChannel channel;
    private final int uid;
    private final int rolemask;
    private final MessageCodec codec;
    private final LocalConnector connector;
    private final Queue<ByteBuffer> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicLong outboundBytes = new AtomicLong();
    private ByteBuffer in = ByteBuffer.allocate(READ_BUFFER);
    private SelectionKey key;
    private volatile boolean closed;

    ClientConnection(long number, SocketChannel channel, int uid, int rolemask, MessageCodec codec,
            LocalConnector connector) {
        this.id = "c" + number;
        this.channel = channel;
        this.uid = uid;
        this.rolemask = rolemask;
        this.codec = codec;
        this.connector = connector;
    }

    @Override
    public String id() {
        return id;
    }

    int uid() {
        return uid;
    }

    int rolemask() {
        return rolemask;
    }

    SocketChannel channel() {
        return channel;
    }

    void key(SelectionKey k) {
        this.key = k;
    }

    SelectionKey key() {
        return key;
    }

    boolean closed() {
        return closed;
    }

    void markClosed() {
        closed = true;
        outbound.clear();
    }

    long outboundBytes() {
        return outboundBytes.get();
    }

    @Override
    public void deliver(Message message) {
        if (closed) {
            return;
        }
        ByteBuffer frame;
        try {
            frame = codec.encodeEnvelope(message);
        } catch (CodecException e) {
            LOG.warn("cannot send {} to client {} (uid {}): {}", message.topic(), id, uid, e.getMessage());
            return;
        }
        outbound.add(frame);
        outboundBytes.addAndGet(frame.remaining());
        connector.wantWrite(this);
    }

    /** The buffer to read into: the unparsed tail of earlier reads, with room to append. */
    ByteBuffer readBuffer() {
        return in;
    }

    /**
     * Parses every complete frame in the read buffer and hands it to {@code sink}.
     *
     * @throws CodecException on a frame that is oversized or does not decode
     */
    void parse(java.util.function.Consumer<Message> sink) throws CodecException {
        in.flip();
        try {
            while (in.remaining() >= 4) {
                int length = codec.checkEnvelopeLength(in.getInt(in.position()));
                if (in.remaining() < 4 + length) {
                    if (!in.hasRemaining() || in.position() > 0 || in.limit() < in.capacity()) {
                        break; // compact below, then read more
                    }
                    // The buffer is full of one unfinished frame: grow it as its bytes arrive (doubling,
                    // never past the announced size), so a client that announces a large frame and
                    // sends nothing costs no more than the read buffer.
                    ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(4L + length, 2L * in.capacity()));
                    bigger.put(in);
                    in = bigger;
                    return; // already in write mode
                }
                in.getInt();
                byte[] body = new byte[length];
                in.get(body);
                sink.accept(codec.decodeEnvelope(body));
            }
            if (in.capacity() > READ_BUFFER && in.remaining() < READ_BUFFER) {
                ByteBuffer smaller = ByteBuffer.allocate(READ_BUFFER);
                smaller.put(in);
                in = smaller;
                return;
            }
            in.compact();
        } catch (CodecException e) {
            in.clear();
            throw e;
        }
    }

    /** Writes queued frames until done or the socket is full; true when everything was written. */
    boolean flush() throws java.io.IOException {
        ByteBuffer head;
        while ((head = outbound.peek()) != null) {
            int n = channel.write(head);
            outboundBytes.addAndGet(-n);
            if (head.hasRemaining()) {
                return false;
            }
            outbound.poll();
        }
        return true;
    }
}
