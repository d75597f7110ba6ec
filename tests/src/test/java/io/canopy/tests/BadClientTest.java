package io.canopy.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.canopy.client.CanopyClient;
import io.canopy.codec.MessageCodec;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.tests.harness.BrokerFixture;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that sends bytes that are not Canopy messages is disconnected, and logged with the
 * reason, while the broker and its other clients carry on. The bad client is a raw Unix socket; the
 * bystander is a {@link CanopyClient} connected for the whole class.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BadClientTest {
    private static BrokerFixture broker;
    private static Cli cli;
    private static CanopyClient bystander;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerFixture.start();
        cli = broker.cli();
        bystander = broker.connect();
    }

    @AfterAll
    static void stopBroker() {
        if (bystander != null) {
            bystander.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void randomBytesGetTheSenderDisconnected() throws Exception {
        byte[] garbage = new byte[1024];
        new Random(20261124).nextBytes(garbage);
        long announced = Integer.toUnsignedLong(ByteBuffer.wrap(garbage).getInt());
        // The first four bytes are read as the frame length; a length in range would make the
        // broker (rightly) wait for that many bytes. This seed's is not: choose seeds that keep it so.
        assertTrue(announced > MessageCodec.DEFAULT_MAX_FRAME, "seed gives a plausible length " + announced);

        assertDisconnected(garbage);
        assertOthersStillServed("frame length " + announced + " is outside");
    }

    @Test
    void lengthPrefixOverTheMaximumFrameGetsTheSenderDisconnected() throws Exception {
        int tooLong = MessageCodec.DEFAULT_MAX_FRAME + 1;

        assertDisconnected(ByteBuffer.allocate(4).putInt(tooLong).array());
        assertOthersStillServed("frame length " + tooLong + " is outside 4.." + MessageCodec.DEFAULT_MAX_FRAME);
    }

    static Stream<Arguments> undecodableBodies() {
        byte[] neverUsed = {(byte) 0xc1, (byte) 0xc1, (byte) 0xc1, (byte) 0xc1};
        return Stream.of(
                arguments(named("bytes MessagePack never uses", envelope(neverUsed)), "malformed header"),
                arguments(named("a header that is not Canopy's", envelope(msgpackArray(0x00, 1))), "bad magic 0x0"),
                arguments(named("a future protocol version", envelope(msgpackArray(MessageCodec.MAGIC, 99))),
                        "unsupported protocol version 99"),
                arguments(named("a header longer than its frame", frame(ByteBuffer.allocate(8).putInt(100).array())),
                        "header length 100 does not fit in a frame of 8 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("undecodableBodies")
    void validLengthWithAnUndecodableBodyGetsTheSenderDisconnected(byte[] bytes, String reason) throws Exception {
        assertDisconnected(bytes);
        assertOthersStillServed(reason);
    }

    /** Sends {@code bytes} on a fresh connection and waits for the broker to close it. */
    private static void assertDisconnected(byte[] bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(broker.socket()));
            ByteBuffer out = ByteBuffer.wrap(bytes);
            while (out.hasRemaining()) { // a few hundred bytes: one or two writes
                ch.write(out);
            }
            ch.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(1024);
            await("the broker closes the bad client's connection").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20)).until(() -> endOfStream(ch, in));
        }
    }

    /**
     * True at end of stream. A reset counts too: the kernel reports ECONNRESET instead of EOF when
     * the broker closes with some of our bytes still unread.
     */
    private static boolean endOfStream(SocketChannel ch, ByteBuffer in) {
        in.clear();
        try {
            return ch.read(in) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static void assertOthersStillServed(String reason) throws Exception {
        Map<String, Object> hello = Map.of("still", "here");
        byte[] echo = bystander.call("broker.ping", NodeId.ANY, hello, Duration.ofSeconds(20)).payload();
        assertEquals(Payloads.tree(Payloads.encode(hello)), Payloads.tree(echo));
        Result ping = cli.run("ping", "broker");
        assertEquals(0, ping.exitCode(), ping::toString);
        assertTrue(broker.isAlive(), broker::logTail);
        Result dmesg = cli.run("dmesg");
        assertTrue(dmesg.lines().stream().anyMatch(l -> l.contains("disconnecting client")
                && l.contains("sent a malformed frame") && l.contains(reason)), dmesg::toString);
    }

    /** A local-socket envelope: total length, header length, header (no payload). */
    private static byte[] envelope(byte[] header) {
        return frame(ByteBuffer.allocate(4 + header.length).putInt(header.length).put(header).array());
    }

    private static byte[] frame(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    /** A MessagePack array of small non-negative ints (positive fixints), as a header's start. */
    private static byte[] msgpackArray(int... values) {
        ByteBuffer b = ByteBuffer.allocate(1 + values.length).put((byte) (0x90 | MessageCodec.HEADER_FIELDS));
        for (int v : values) {
            b.put((byte) v);
        }
        return b.array();
    }
}
