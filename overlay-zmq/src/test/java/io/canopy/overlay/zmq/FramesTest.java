package io.canopy.overlay.zmq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** Batch frames: what is sent in one frame, what a receiver reads back, and what it refuses. */
@Timeout(30)
class FramesTest {
    private final MessageCodec codec = new MessageCodec();
    private final Frames frames = new Frames(codec);
    private ZContext ctx;
    private ZMQ.Socket out;
    private ZMQ.Socket in;

    @BeforeEach
    void pair() {
        ctx = new ZContext(1);
        in = ctx.createSocket(SocketType.PAIR);
        in.bind("inproc://frames-test");
        out = ctx.createSocket(SocketType.PAIR);
        out.connect("inproc://frames-test");
    }

    @AfterEach
    void close() {
        ctx.close();
    }

    private static List<Message> requests(int n, int payloadBytes) {
        List<Message> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ms.add(Message.request("x.batch", 0, i + 1, new byte[payloadBytes]).pushRoute("t1"));
        }
        return ms;
    }

    /** Every frame waiting on the receiving socket. */
    private List<byte[]> received() {
        List<byte[]> got = new ArrayList<>();
        byte[] f;
        while ((f = in.recv(ZMQ.DONTWAIT)) != null) {
            got.add(f);
        }
        return got;
    }

    private List<Message> decodeAll(List<byte[]> got) throws CodecException {
        List<Message> ms = new ArrayList<>();
        for (byte[] f : got) {
            ms.addAll(frames.decodeAll(f));
        }
        return ms;
    }

    @Test
    void manyMessagesForAPeerThatReadsBatchesTravelInFewFramesAndComeBackInOrder() throws Exception {
        List<Message> sent = requests(2_000, 100);
        assertTrue(frames.sendAll(out, null, sent, true));
        List<byte[]> got = received();
        assertTrue(got.size() < 10, "2,000 messages of ~130 bytes fit in a few 64 KiB batches, got " + got.size() + " frames");
        got.forEach(f -> assertTrue(f.length <= Frames.MAX_BATCH, "a batch of " + f.length + " bytes"));
        List<Message> back = decodeAll(got);
        assertEquals(sent.size(), back.size());
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(sent.get(i).matchtag(), back.get(i).matchtag());
            assertEquals(List.of("t1"), back.get(i).route());
        }
    }

    @Test
    void aPeerThatDoesNotReadBatchesGetsOneFramePerMessage() throws Exception {
        List<Message> sent = requests(50, 10);
        assertTrue(frames.sendAll(out, null, sent, false));
        List<byte[]> got = received();
        assertEquals(50, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertNotEquals(Frames.BATCH, got.get(i)[0]);
            assertEquals(i + 1, frames.decode(got.get(i)).matchtag());
        }
    }

    @Test
    void aLoneMessageAndALargeOneGoInFramesOfTheirOwnAndOrderIsKept() throws Exception {
        List<Message> sent = new ArrayList<>(requests(3, 10));
        sent.add(Message.request("x.big", 0, 99, new byte[Frames.MAX_BATCH]));
        sent.addAll(requests(1, 10));
        assertTrue(frames.sendAll(out, null, sent, true));
        List<byte[]> got = received();
        assertEquals(3, got.size(), "a batch of 3, the large message, the last one alone");
        assertEquals(Frames.BATCH, got.get(0)[0]);
        assertNotEquals(Frames.BATCH, got.get(1)[0]);
        assertNotEquals(Frames.BATCH, got.get(2)[0]);
        List<Message> back = decodeAll(got);
        assertEquals(List.of(1L, 2L, 3L, 99L, 1L), back.stream().map(Message::matchtag).toList());
        assertArrayEquals(new byte[Frames.MAX_BATCH], back.get(3).payload());
    }

    @Test
    void aBadBatchIsRefusedWithAReasonAndNeverThrowsAnythingElse() {
        byte[] good = codec.encodeFrame(Message.request("x.ok", 0, 1, new byte[3]));
        List<byte[]> bad = List.of(
                new byte[] {Frames.BATCH},
                batch(good),
                concat(batch(good, good), new byte[] {0, 0}),
                concat(new byte[] {Frames.BATCH}, ByteBuffer.allocate(4).putInt(-1).array()),
                concat(new byte[] {Frames.BATCH}, ByteBuffer.allocate(4).putInt(1 << 20).array(), good),
                batch(good, new byte[] {0, 0, 0, 9, 9, 9, 9, 9, 9}),
                batch(good, new byte[2]));
        for (byte[] frame : bad) {
            CodecException e = assertThrows(CodecException.class, () -> frames.decodeAll(frame));
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[1 + random.nextInt(200)];
            random.nextBytes(junk);
            junk[0] = Frames.BATCH;
            try {
                frames.decodeAll(junk);
            } catch (CodecException expected) {
                // refused: the only acceptable failure
            }
        }
    }

    /** A batch frame of the given one-message frames. */
    private static byte[] batch(byte[]... bodies) {
        int size = 1;
        for (byte[] b : bodies) {
            size += 4 + b.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size).put(Frames.BATCH);
        for (byte[] b : bodies) {
            buf.putInt(b.length).put(b);
        }
        return buf.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer buf = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            buf.put(p);
        }
        return buf.array();
    }
}
