package io.canopy.overlay.zmq;

import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import java.util.ArrayList;
import java.util.List;
import org.zeromq.ZMQ;

/**
 * Reads and writes messages as ZeroMQ frames: one frame per message (header and payload, see
 * {@link MessageCodec#encodeFrame}), behind the peer's identity frame on the ROUTER side. Anything
 * else on the wire is refused with a reason.
 */
final class Frames {
    private final MessageCodec codec;

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
     * to join. A CURVE handshake takes milliseconds; 5 s leaves room for a loaded machine. On the
     * ROUTER it also frees a stranger's half-open connection sooner.
     */
    static final int HANDSHAKE_IVL_MS = 5_000;

    /** All frames of the next message, or null when none is waiting. */
    static List<byte[]> receive(ZMQ.Socket socket) {
        byte[] first = socket.recv(ZMQ.DONTWAIT);
        if (first == null) {
            return null;
        }
        List<byte[]> parts = new ArrayList<>(3);
        parts.add(first);
        while (socket.hasReceiveMore() && parts.size() < 16) {
            parts.add(socket.recv(0));
        }
        while (socket.hasReceiveMore()) {
            socket.recv(0); // drain an absurdly long message; it is refused below
            parts.add(null);
        }
        return parts;
    }

    /** The message in {@code frame}. */
    Message decode(byte[] frame) throws CodecException {
        if (frame == null) {
            throw new CodecException("missing frame");
        }
        return codec.decodeEnvelope(frame);
    }

    /**
     * Sends {@code m} (after {@code identity}, when not null); false when ZeroMQ refused, e.g.
     * EHOSTUNREACH from a ROUTER whose peer has gone, or EAGAIN from a DEALER with no connection.
     */
    boolean send(ZMQ.Socket socket, byte[] identity, Message m) {
        byte[] frame = codec.encodeFrame(m);
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
