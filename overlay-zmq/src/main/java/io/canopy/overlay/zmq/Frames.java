package io.canopy.overlay.zmq;

import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.zeromq.ZMQ;

/**
 * Reads and writes messages as ZeroMQ frames: one frame per message (header and payload, see
 * {@link MessageCodec#encodeFrame}), or a batch frame carrying several messages for a peer that
 * reads batches, behind the peer's identity frame on the ROUTER side. Anything else on the wire is
 * refused with a reason. Used on the overlay thread only (it reuses one batch buffer).
 */
final class Frames {
    /**
     * First byte of a batch frame. A one-message frame starts with the high byte of its header
     * length, which is below 0x80 for any header a codec accepts, so the two never meet.
     */
    static final byte BATCH = (byte) 0xCB;
    /**
     * Largest batch frame, in bytes: below the ZMQ_MAXMSGSIZE of every peer ({@link #maxZmqFrame}
     * is at least 64 KiB plus 64 bytes whatever its maximum frame size), so that a batch never gets
     * a connection dropped, and small enough that building one adds no noticeable latency.
     */
    static final int MAX_BATCH = 64 * 1024;

    private final MessageCodec codec;
    private final ByteBuffer batch = ByteBuffer.allocate(MAX_BATCH);

    Frames(MessageCodec codec) {
        this.codec = codec;
    }

    /**
     * The largest ZeroMQ frame a peer may announce: a header or payload of the largest message the
     * codec accepts, plus room for the header's own fields. Set as ZMQ_MAXMSGSIZE on every overlay
     * socket, so that a stranger announcing a huge frame (even before the CURVE handshake) is
     * disconnected instead of making ZeroMQ allocate what it announced.
     */
    long maxZmqFrame() {
        return (long) codec.maxFrameSize() + 64 * 1024;
    }

    /**
     * How long a new connection may take to finish the ZeroMQ handshake before ZeroMQ drops it and
     * connects again (ZMQ_HANDSHAKE_IVL; ZeroMQ's default is 30 s). JeroMQ 0.6.0 sometimes leaves a
     * freshly connected TCP socket without ever sending its greeting (seen here on a few percent of
     * connects under load; jeromq pull request 1022), so a broker whose connect hit that waited 30 s
     * to join. A CURVE handshake takes milliseconds; 5 s leaves room for a loaded machine. This is
     * a follower's first try: see {@link #MAX_HANDSHAKE_IVL_MS}.
     */
    static final int HANDSHAKE_IVL_MS = 5_000;

    /**
     * A follower whose connection closed before its parent said anything (the handshake timed out,
     * or failed) gives its next connection twice the time, up to this; the first answer sets it back
     * to {@link #HANDSHAKE_IVL_MS}. When a thousand brokers start on few cores, a CURVE handshake
     * can wait longer than 5 s for CPU on either side: dropping it at 5 s threw away the work done
     * (four to six X25519 agreements a side) and queued the same handshake again, about three times
     * for each broker of a 1,024-broker start.
     */
    static final int MAX_HANDSHAKE_IVL_MS = 30_000;

    /**
     * How long a parent's ROUTER lets a connection take to finish its handshake (ZeroMQ's default):
     * a parent that is slow to answer a thousand children at once still finishes each handshake it
     * has begun. A stranger's silent connection is held as long, then closed.
     */
    static final int PARENT_HANDSHAKE_IVL_MS = 30_000;

    /** All frames of the next message, or null when none is waiting. */
    static Received receive(ZMQ.Socket socket) {
        zmq.Msg first = socket.base().recv(ZMQ.DONTWAIT);
        if (first == null) {
            return null;
        }
        String peer = peer(first);
        List<byte[]> parts = new ArrayList<>(3);
        parts.add(first.data());
        while (socket.hasReceiveMore() && parts.size() < 16) {
            zmq.Msg next = socket.base().recv(0);
            peer = peer != null ? peer : peer(next);
            parts.add(next == null ? null : next.data());
        }
        while (socket.hasReceiveMore()) {
            socket.recv(0); // drain an absurdly long message; it is refused below
            parts.add(null);
        }
        return new Received(parts, peer);
    }

    /** A ZeroMQ message's frames and the address ({@code ip:port}) of the peer that sent it, if known. */
    record Received(List<byte[]> parts, String peer) {}

    private static String peer(zmq.Msg m) {
        return m == null || m.getMetadata() == null ? null : m.getMetadata().get(zmq.io.Metadata.PEER_ADDRESS);
    }

    /** The message in {@code frame}. */
    Message decode(byte[] frame) throws CodecException {
        if (frame == null) {
            throw new CodecException("missing frame");
        }
        return codec.decodeEnvelope(frame);
    }

    /**
     * The messages in {@code frame}, in order: the one it holds, or every message of a batch
     * ({@link #BATCH}, then envelopes back to back, each its total length and body as on the
     * local socket). A batch with any bad envelope is refused whole.
     */
    List<Message> decodeAll(byte[] frame) throws CodecException {
        if (frame == null || frame.length == 0 || frame[0] != BATCH) {
            return List.of(decode(frame));
        }
        List<Message> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(frame, 1, frame.length - 1);
        while (in.hasRemaining()) {
            if (in.remaining() < 4) {
                throw new CodecException("batch: " + in.remaining() + " stray bytes after message " + out.size());
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new CodecException("batch: message " + (out.size() + 1) + " announces "
                        + Integer.toUnsignedString(length) + " bytes, " + in.remaining() + " are left");
            }
            out.add(codec.decodeEnvelope(frame, in.position(), length));
            in.position(in.position() + length);
        }
        if (out.size() < 2) {
            throw new CodecException("batch of " + out.size() + " messages (a batch carries at least 2)");
        }
        return out;
    }

    /**
     * Sends {@code m} (after {@code identity}, when not null); false when ZeroMQ refused, e.g.
     * EHOSTUNREACH from a ROUTER whose peer has gone, or EAGAIN from a DEALER with no connection.
     */
    boolean send(ZMQ.Socket socket, byte[] identity, Message m) {
        return sendFrame(socket, identity, codec.encodeFrame(m));
    }

    /**
     * Sends {@code ms} in order: in batch frames of up to {@link #MAX_BATCH} bytes when the peer
     * reads batches (it said so when it joined), else one frame each. A message too large for a
     * batch, or alone, goes in a frame of its own. False at the first refusal, and nothing after
     * it is sent.
     */
    boolean sendAll(ZMQ.Socket socket, byte[] identity, List<Message> ms, boolean peerReadsBatches) {
        if (!peerReadsBatches || ms.size() == 1) {
            for (Message m : ms) {
                if (!send(socket, identity, m)) {
                    return false;
                }
            }
            return true;
        }
        batch.clear().put(BATCH);
        byte[] only = null;
        int held = 0;
        for (Message m : ms) {
            byte[] frame = codec.encodeFrame(m);
            if (1 + 4 + frame.length > MAX_BATCH) {
                if (!flushBatch(socket, identity, held, only) || !sendFrame(socket, identity, frame)) {
                    return false;
                }
                held = 0;
                continue;
            }
            if (batch.remaining() < 4 + frame.length) {
                if (!flushBatch(socket, identity, held, only)) {
                    return false;
                }
                held = 0;
            }
            batch.putInt(frame.length).put(frame);
            only = frame;
            held++;
        }
        return flushBatch(socket, identity, held, only);
    }

    /** Sends the batch being built ({@code last} alone when it holds one message) and starts a new one. */
    private boolean flushBatch(ZMQ.Socket socket, byte[] identity, int held, byte[] last) {
        boolean sent = held == 0
                || sendFrame(socket, identity, held == 1 ? last : Arrays.copyOf(batch.array(), batch.position()));
        batch.clear().put(BATCH);
        return sent;
    }

    private static boolean sendFrame(ZMQ.Socket socket, byte[] identity, byte[] frame) {
        try {
            if (identity != null && !socket.send(identity, ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
                return false;
            }
            return socket.send(frame, ZMQ.DONTWAIT);
        } catch (org.zeromq.ZMQException e) {
            return false;
        }
    }

    /** A control message with a MessagePack body. */
    static Message control(String name, Object body) {
        return Message.control(name, Payloads.encode(body));
    }
}
