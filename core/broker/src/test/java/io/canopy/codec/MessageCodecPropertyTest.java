package io.canopy.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.NodeId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Feeds random bytes and mutated valid messages to every decoding entry point: nothing but
 * {@link CodecException} may come out, and whatever decodes must encode again and decode to the
 * same message. The seed is printed in every failure; rerun with {@code -Dcanopy.codec.seed=SEED}.
 */
class MessageCodecPropertyTest {
    private static final int RANDOM_INPUTS = 100_000;
    private static final int MUTATIONS = 100_000;
    /** msgpack markers of every family, for type confusion; some announce more bytes than follow. */
    private static final int[] MARKERS = {
        0x00, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x9d, 0x9f, 0xa0, 0xa5, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
        0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3,
        0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};

    private final long seed = Long.getLong("canopy.codec.seed", System.nanoTime());
    private final Random rnd = new Random(seed);
    private final MessageCodec roomy = new MessageCodec();
    private final MessageCodec tight = new MessageCodec(512);
    private int decoded;

    @Test
    void randomBytesNeverThrowAnythingButCodecException() throws Throwable {
        onShallowStack(this::feedRandomBytes);
    }

    @Test
    void mutatedMessagesNeverThrowAnythingButCodecException() throws Throwable {
        onShallowStack(this::feedMutations);
    }

    /**
     * Runs {@code body} on a thread of its own. The decoder throws several hundred thousand
     * exceptions here, and filling in their stack traces under the test framework's deep stack
     * would take most of the test's time.
     */
    private static void onShallowStack(Runnable body) throws Throwable {
        FutureTask<Void> task = new FutureTask<>(body, null);
        new Thread(task, "codec-property").start();
        try {
            task.get(2, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    private void feedRandomBytes() {
        for (int i = 0; i < RANDOM_INPUTS; i++) {
            byte[] bytes = randomBytes();
            MessageCodec codec = rnd.nextInt(4) == 0 ? tight : roomy;
            int n = i;
            feed(codec, bytes, () -> "random input " + n);
        }
    }

    private void feedMutations() {
        for (int i = 0; i < MUTATIONS; i++) {
            Message m = randomMessage();
            MessageCodec codec = rnd.nextInt(4) == 0 ? tight : roomy;
            byte[] bytes = switch (rnd.nextInt(3)) {
                case 0 -> mutate(roomy.encodeHeader(m));
                case 1 -> mutate(envelope(m));
                default -> confuse(m);
            };
            int n = i;
            feed(codec, bytes, () -> "mutation " + n + " of " + m);
        }
        // Mutations are small: a good share of them must still decode, or the test exercises
        // nothing but the first checks of the decoder.
        if (decoded < MUTATIONS / 50) {
            fail("only " + decoded + " of " + MUTATIONS + " mutations decoded (seed " + seed + ")");
        }
    }

    /** Every decoding entry point on {@code bytes} read as a header, an envelope body and an envelope. */
    private void feed(MessageCodec codec, byte[] bytes, Supplier<String> what) {
        byte[] payload = rnd.nextInt(8) == 0 ? new byte[rnd.nextInt(600)] : new byte[0];
        check(codec, bytes, () -> what.get() + " as header", () -> codec.decode(bytes, payload));
        check(codec, bytes, () -> what.get() + " as envelope body", () -> codec.decodeEnvelope(bytes));
        if (bytes.length >= 4) {
            int announced = ByteBuffer.wrap(bytes).getInt();
            byte[] body = Arrays.copyOfRange(bytes, 4, bytes.length);
            check(codec, bytes, () -> what.get() + " as envelope", () -> {
                codec.checkEnvelopeLength(announced);
                return codec.decodeEnvelope(body);
            });
        }
        check(codec, bytes, () -> what.get() + " as length", () -> {
            codec.checkEnvelopeLength(rnd.nextInt());
            return null;
        });
    }

    private interface Decoding {
        Message run() throws CodecException;
    }

    private void check(MessageCodec codec, byte[] bytes, Supplier<String> what, Decoding decoding) {
        Message m;
        try {
            m = decoding.run();
        } catch (CodecException expected) {
            return;
        } catch (Throwable t) {
            throw new AssertionError(context(what, bytes) + ": threw " + t, t);
        }
        if (m == null) {
            return;
        }
        decoded++;
        try {
            byte[] header = codec.encodeHeader(m);
            assertEquals(m, codec.decode(header, m.payload()), () -> context(what, bytes) + ": re-encoded differently");
            codec.encodeEnvelope(m);
        } catch (CodecException e) {
            if (!e.getMessage().contains("maximum frame size")) {
                throw new AssertionError(context(what, bytes) + ": decoded " + m + " but its re-encoding"
                        + " is refused: " + e, e);
            }
        } catch (Throwable t) {
            throw new AssertionError(context(what, bytes) + ": decoded " + m + " but re-encoding threw " + t, t);
        }
    }

    private String context(Supplier<String> what, byte[] bytes) {
        String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 256));
        return "seed " + seed + " (rerun with -Dcanopy.codec.seed=" + seed + "), " + what.get() + ", "
                + bytes.length + " bytes: " + hex + (bytes.length > 256 ? "..." : "");
    }

    private byte[] randomBytes() {
        int n = rnd.nextInt(10) == 0 ? rnd.nextInt(2048) : rnd.nextInt(48);
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        // Half start like a version-1 header, so the decoder gets past the first checks.
        if (n >= 3 && rnd.nextBoolean()) {
            b[0] = (byte) (0x90 | (MessageCodec.HEADER_FIELDS + rnd.nextInt(3)));
            b[1] = MessageCodec.MAGIC;
            b[2] = Message.PROTOCOL_VERSION;
        }
        return b;
    }

    private Message randomMessage() {
        MessageType type = MessageType.values()[rnd.nextInt(4)];
        List<String> route = new ArrayList<>();
        int hops = rnd.nextInt(50) == 0 ? MessageCodec.MAX_ROUTE : rnd.nextInt(4);
        for (int i = 0; i < hops; i++) {
            route.add(randomString(8));
        }
        byte[] payload = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(300) : 0];
        rnd.nextBytes(payload);
        int[] nodeids = {NodeId.ANY, NodeId.UPSTREAM, 0, 1, rnd.nextInt(), Integer.MAX_VALUE};
        return new Message(type, rnd.nextInt(4), randomString(rnd.nextInt(20) == 0 ? MessageCodec.MAX_STRING / 4 : 24),
                nodeids[rnd.nextInt(nodeids.length)], randomLong(), rnd.nextInt(), rnd.nextInt(8),
                rnd.nextInt(3) == 0 ? rnd.nextInt(130) : 0, randomErrstr(),
                rnd.nextBoolean() ? 0 : randomLong(), route, payload);
    }

    /** None, a short one, or now and then one longer than the encoder may write (it is cut). */
    private String randomErrstr() {
        int dice = rnd.nextInt(100);
        if (dice == 0) {
            return randomString(MessageCodec.MAX_STRING);
        }
        return dice < 50 ? null : randomString(40);
    }

    private long randomLong() {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextLong();
            case 1 -> rnd.nextInt(1000);
            case 2 -> Long.MAX_VALUE - rnd.nextInt(3);
            default -> Long.MIN_VALUE + rnd.nextInt(3);
        };
    }

    /** Up to {@code max} characters, ASCII mostly, sometimes two-, three- and four-byte UTF-8. */
    private String randomString(int max) {
        int n = rnd.nextInt(max + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(10)) {
                case 0 -> sb.append((char) (0x80 + rnd.nextInt(0x700)));
                case 1 -> sb.append((char) (0x800 + rnd.nextInt(0xD000 - 0x800)));
                case 2 -> sb.appendCodePoint(0x10000 + rnd.nextInt(0x1000));
                default -> sb.append((char) ('!' + rnd.nextInt(90)));
            }
        }
        return sb.toString();
    }

    private byte[] envelope(Message m) {
        try {
            ByteBuffer env = roomy.encodeEnvelope(m);
            return Arrays.copyOf(env.array(), env.limit());
        } catch (CodecException e) {
            throw new AssertionError("seed " + seed + ": a valid message did not encode: " + m, e);
        }
    }

    /** One to three byte-level mutations. */
    private byte[] mutate(byte[] in) {
        byte[] b = in;
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
            b = mutateOnce(b);
        }
        return b;
    }

    private byte[] mutateOnce(byte[] b) {
        if (b.length == 0) {
            return new byte[] {(byte) rnd.nextInt(256)};
        }
        int at = rnd.nextInt(b.length);
        switch (rnd.nextInt(8)) {
            case 0 -> { // bit flip
                byte[] c = b.clone();
                c[at] ^= (byte) (1 << rnd.nextInt(8));
                return c;
            }
            case 1 -> { // byte replacement
                byte[] c = b.clone();
                c[at] = (byte) rnd.nextInt(256);
                return c;
            }
            case 2 -> { // msgpack marker in place of a byte
                byte[] c = b.clone();
                c[at] = (byte) MARKERS[rnd.nextInt(MARKERS.length)];
                return c;
            }
            case 3 -> { // truncation
                return Arrays.copyOf(b, at);
            }
            case 4 -> { // insertion of 1-8 random bytes
                byte[] extra = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(extra);
                byte[] c = new byte[b.length + extra.length];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(extra, 0, c, at, extra.length);
                System.arraycopy(b, at, c, at + extra.length, b.length - at);
                return c;
            }
            case 5 -> { // deletion of a range
                int end = Math.min(b.length, at + 1 + rnd.nextInt(8));
                byte[] c = new byte[b.length - (end - at)];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, end, c, at, b.length - end);
                return c;
            }
            case 6 -> { // a random header-length (or total-length) field, as in an envelope
                byte[] c = b.length >= 8 ? b.clone() : Arrays.copyOf(b, 8);
                int[] lengths = {rnd.nextInt(), -1, 0, 1, Integer.MAX_VALUE, Integer.MIN_VALUE,
                    c.length, c.length - 8, c.length - 7, c.length - 3};
                ByteBuffer.wrap(c).putInt(rnd.nextBoolean() ? 4 : 0, lengths[rnd.nextInt(lengths.length)]);
                return c;
            }
            default -> { // duplicate a slice of itself somewhere else
                int end = Math.min(b.length, at + 1 + rnd.nextInt(16));
                int to = rnd.nextInt(b.length);
                byte[] c = b.clone();
                System.arraycopy(b, at, c, to, Math.min(end - at, c.length - to));
                return c;
            }
        }
    }

    /** A header with one element replaced by a value of another msgpack type, or with extra elements. */
    private byte[] confuse(Message m) {
        RawHeader h = RawHeader.of(m);
        switch (rnd.nextInt(5)) {
            case 0, 1 -> h.set(rnd.nextInt(h.size()), randomValue(0));
            case 2 -> {
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    h.append(randomValue(0));
                }
            }
            case 3 -> {
                return h.bytes(rnd.nextInt(20)); // an array header announcing another count
            }
            default -> h.set(12, Arrays.asList(randomValue(0), randomValue(0)));
        }
        byte[] bytes = h.bytes();
        return rnd.nextBoolean() ? bytes : mutateOnce(bytes);
    }

    private Object randomValue(int depth) {
        return switch (rnd.nextInt(depth > 2 ? 9 : 11)) {
            case 0 -> null;
            case 1 -> rnd.nextBoolean();
            case 2 -> rnd.nextInt();
            case 3 -> rnd.nextLong();
            case 4 -> rnd.nextDouble();
            case 5 -> randomString(10);
            case 6 -> {
                byte[] b = new byte[rnd.nextInt(10)];
                rnd.nextBytes(b);
                yield b;
            }
            case 7 -> new RawHeader.Raw(new byte[] {(byte) MARKERS[rnd.nextInt(MARKERS.length)]});
            case 8 -> new RawHeader.Raw(new byte[] {(byte) 0xcf, -1, -1, -1, -1, -1, -1, -1, (byte) rnd.nextInt()});
            case 9 -> Arrays.asList(randomValue(depth + 1), randomValue(depth + 1));
            default -> java.util.Collections.singletonMap("k", randomValue(depth + 1));
        };
    }
}
