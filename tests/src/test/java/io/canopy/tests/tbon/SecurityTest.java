package io.canopy.tests.tbon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.codec.MessageCodec;
import io.canopy.config.InstanceConfig;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.overlay.zmq.CurveCertificate;
import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Rpc;
import io.canopy.tools.launch.InstanceSetup;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Who may join, and what a stranger on the port can do: an instance of four hosts (0 -> 1,2;
 * 1 -> 3) runs ranks 0-2 with a certificate from {@code canopy keygen}; host test3 is played by
 * impostors (another certificate, another instance, a rank that is not the parent's child, another
 * protocol version: brokers, or hellos the test says itself), each refused with a logged reason, and garbage is thrown at rank 0's port.
 * Through all of it the real tree stays whole.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SecurityTest {
    private static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    static Path dir;
    private static BrokerProcesses brokers;
    private static InstanceToml toml;
    private static Path cert;
    private static BrokerProcess[] ranks = new BrokerProcess[3];
    private BrokerProcess impostor;

    @BeforeAll
    static void startInstance() throws Exception {
        cert = dir.resolve("curve.cert");
        Result keygen = Cli.plain().run("keygen", cert.toString());
        assertEquals(0, keygen.exitCode(), keygen::toString);
        brokers = new BrokerProcesses(dir);
        toml = InstanceToml.loopback(4).calm().withCurveCert(cert);
        Path config = brokers.writeConfig("system.toml", toml.render());
        for (int r = 0; r < 3; r++) {
            ranks[r] = brokers.start(toml.host(r), config);
        }
        assertTreeWhole();
    }

    @AfterAll
    static void stopInstance() {
        if (brokers != null) {
            brokers.close();
        }
    }

    @AfterEach
    void stopImpostor() throws InterruptedException {
        if (impostor != null) {
            impostor.process().destroy();
            impostor.process().waitFor(30, TimeUnit.SECONDS);
            impostor = null;
        }
    }

    /** Ranks 0-2 run and rank 0 draws them online (test3 never joins, so its subtree is partial). */
    private static void assertTreeWhole() {
        for (BrokerProcess b : ranks) {
            await(b.host() + " in run").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .failFast("broker exited", () -> !b.process().isAlive())
                    .until(() -> Rpc.state(b.socket()).equals("run"));
        }
        await("ranks 1 and 2 online").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> Rpc.childStatus(ranks[0].socket(), 1).equals("online")
                        && Rpc.childStatus(ranks[0].socket(), 2).equals("online"));
        Result ping = ranks[0].cli().run("ping", "broker");
        assertEquals(0, ping.exitCode(), ping::toString);
    }

    private static String dmesg(BrokerProcess b) {
        Result r = b.cli().run("dmesg");
        assertEquals(0, r.exitCode(), r::toString);
        return r.stdout();
    }

    /** Starts host test3 with a variant of the instance's configuration. */
    private BrokerProcess startImpostor(String name, InstanceToml variant) {
        impostor = brokers.start("test3", brokers.writeConfig(name + ".toml", variant.render()));
        return impostor;
    }

    /** The impostor is refused: {@code parent}'s dmesg says {@code why}, and the impostor stays in join. */
    private void assertRefused(BrokerProcess imp, BrokerProcess parent, String... why) {
        await(parent.host() + " logs the refusal of " + imp.host()).atMost(WAIT).pollInterval(Duration.ofMillis(250))
                .failFast("impostor exited", () -> !imp.process().isAlive())
                .until(() -> {
                    String log = dmesg(parent);
                    return List.of(why).stream().allMatch(log::contains);
                });
        JsonNode view = await().atMost(WAIT).ignoreExceptions().until(() -> Rpc.overlay(imp.socket()), v -> true);
        assertEquals("join", view.path("state").asText(), view::toString);
        assertTrue(!view.path("parentLink").path("up").asBoolean(true), view::toString);
        assertTreeWhole();
    }

    @Test
    void keygenWritesAPrivateCertificateAndRefusesToOverwriteIt() throws IOException {
        Path file = dir.resolve("keygen/new.cert");
        Result r = Cli.plain().run("keygen", file.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String first = Files.readString(file);
        assertTrue(first.matches("(?s).*public-key = \"\\S{40}\".*secret-key = \"\\S{40}\".*"), first);
        CurveCertificate.load(file);

        Result again = Cli.plain().run("keygen", file.toString());
        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.stderr().startsWith("canopy: " + file + " already exists"), again::toString);
        assertEquals(first, Files.readString(file));
    }

    @Test
    void aBrokerWithAnotherCertificateNeverJoinsAndItsParentLogsWhy() {
        Path other = dir.resolve("other.cert");
        assertEquals(0, Cli.plain().run("keygen", other.toString()).exitCode());
        BrokerProcess imp = startImpostor("other-cert", toml.withCurveCert(other));
        assertRefused(imp, ranks[1], "refused a connection", "certificate");
    }

    @Test
    void aBrokerOfAnotherInstanceIsRefused() {
        BrokerProcess imp = startImpostor("other-instance", toml.plusHost("test4"));
        assertRefused(imp, ranks[1], "rejecting connection from test3 (rank 3): wrong instance");
        assertTrue(imp.log().contains("refused hello: wrong instance"), imp.logTail());
    }

    @Test
    void aBrokerThatIsNotTheParentsChildIsRefused() {
        // With fanout 3 test3 believes rank 0 is its parent; rank 0 (fanout 2) has no child 3. The
        // tree is part of the instance id, so rank 0 sees another instance.
        BrokerProcess imp = startImpostor("other-fanout", toml.withFanout(3));
        assertRefused(imp, ranks[0], "rejecting connection from test3 (rank 3): wrong instance");
    }

    @Test
    void helloesWithAnotherProtocolVersionOrARankThatIsNotAChildAreRefused() throws Exception {
        String instanceId = instanceId();
        JsonNode version = hello(Map.of("rank", 1, "host", "test1", "version", 99, "instance", instanceId,
                "uuid", "impostor-1"));
        assertTrue(version.path("reason").asText().contains("protocol version mismatch"), version::toString);
        JsonNode notAChild = hello(Map.of("rank", 3, "host", "test3", "version", Message.PROTOCOL_VERSION,
                "instance", instanceId, "uuid", "impostor-2"));
        assertEquals("rank 3 is not a child of rank 0: mismatched config?", notAChild.path("reason").asText(),
                notAChild::toString);
        String log = dmesg(ranks[0]);
        assertTrue(log.contains("protocol version mismatch: the child speaks 99"), log);
        assertTrue(log.contains("rejecting connection from test3 (rank 3): rank 3 is not a child of rank 0"), log);
        // The real rank 1 was not displaced by a hello that claimed its rank.
        assertTreeWhole();
    }

    /** The instance id brokers of this configuration put in their hellos. */
    private static String instanceId() throws Exception {
        Method id = InstanceSetup.class.getDeclaredMethod("instanceId", InstanceConfig.class);
        id.setAccessible(true);
        return (String) id.invoke(null, InstanceConfig.load(dir.resolve("system.toml")));
    }

    /** Says {@code body} as a hello to rank 0 over CURVE with the instance's keys; its refusal. */
    private static JsonNode hello(Map<String, Object> body) throws Exception {
        CurveCertificate c = CurveCertificate.load(cert);
        MessageCodec codec = new MessageCodec();
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
            dealer.setLinger(0);
            dealer.setCurvePublicKey(ZMQ.Curve.z85Decode(c.publicKey()));
            dealer.setCurveSecretKey(ZMQ.Curve.z85Decode(c.secretKey()));
            dealer.setCurveServerKey(ZMQ.Curve.z85Decode(c.publicKey()));
            dealer.setReceiveTimeOut(500);
            dealer.connect(toml.hosts().get(0).connect());
            Message hello = Message.control("hello", Payloads.encode(body));
            return await("an answer to " + body).atMost(WAIT).until(() -> {
                dealer.send(codec.encodeFrame(hello), 0);
                byte[] frame = dealer.recv();
                if (frame == null) {
                    return null;
                }
                Message answer = codec.decodeEnvelope(frame);
                assertEquals("hello-refused", answer.topic(), answer::toString);
                return Payloads.tree(answer.payload());
            }, r -> r != null);
        }
    }

    @Test
    void rawGarbageOnTheOverlayPortNeitherCrashesNorStallsTheBroker() throws Exception {
        URI bind = URI.create(toml.hosts().get(0).bind());
        InetSocketAddress port = new InetSocketAddress(bind.getHost(), bind.getPort());
        Random random = new Random(42);
        try (Socket idle = new Socket()) {
            idle.connect(port, 5_000); // a peer that connects and then says nothing at all
            for (int i = 0; i < 5; i++) {
                byte[] junk = new byte[1 + random.nextInt(8192)];
                random.nextBytes(junk);
                sendAndClose(port, junk);
            }
            // A ZMTP 3.0 greeting for CURVE, then a command frame announcing 2^63-1 bytes, then one of 1 GiB.
            sendAndClose(port, concat(greeting("CURVE"), longFrame(0x7fff_ffff_ffff_ffffL)));
            sendAndClose(port, concat(greeting("CURVE"), longFrame(1L << 30)));
            // A NULL-mechanism greeting with a READY, as an unauthenticated DEALER would send.
            sendAndClose(port, concat(greeting("NULL"), new byte[] {4, 26, 5, 'R', 'E', 'A', 'D', 'Y'}));
            assertTreeWhole();
        }
        assertTrue(ranks[0].process().isAlive(), ranks[0].logTail());
        assertTreeWhole();
    }

    @Test
    void badInputOnTheOverlayPortIsLoggedWithThePeersAddress() throws Exception {
        URI bind = URI.create(toml.hosts().get(0).bind());
        InetSocketAddress port = new InetSocketAddress(bind.getHost(), bind.getPort());
        sendFrom("127.0.0.21", port, "\u0001\u0002 no ZMTP here\r\n".getBytes());
        sendFrom("127.0.0.22", port, "GET / HTTP/1.1\r\nHost: test0\r\n\r\n".getBytes());
        sendFrom("127.0.0.23", port, concat(greeting("NULL"), new byte[] {4, 26, 5, 'R', 'E', 'A', 'D', 'Y'})); // no CURVE
        CurveCertificate keys = CurveCertificate.load(cert);
        try (ZContext ctx = new ZContext()) {
            // a peer with the instance's keys whose batch frame announces more than it holds
            ZMQ.Socket insider = ctx.createSocket(SocketType.DEALER);
            insider.setLinger(1000);
            insider.setCurveServerKey(ZMQ.Curve.z85Decode(keys.publicKey()));
            insider.setCurvePublicKey(ZMQ.Curve.z85Decode(keys.publicKey()));
            insider.setCurveSecretKey(ZMQ.Curve.z85Decode(keys.secretKey()));
            insider.setIdentity("bad-batch-4719".getBytes());
            insider.connect(toml.hosts().get(0).connect());
            insider.send(new byte[] {(byte) 0xcb, 0, 0, 0, 0x40, 1, 2, 3});
            await("each bad peer is logged with its address").atMost(WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        String log = dmesg(ranks[0]);
                        return List.of("127.0.0.21", "127.0.0.22", "127.0.0.23").stream().allMatch(a ->
                                log.contains("overlay: a connection from " + a + ":"))
                                && log.contains("dropped an unreadable message from peer bad-batch-4719 at 127.0.0.1:");
                    });
        }
        assertTrue(dmesg(ranks[0]).contains("closed before it sent a message: not a broker of this instance"));
        assertTreeWhole();
    }

    @Test
    void aRealLibzmqPeerSendingGarbageNeitherCrashesNorStallsTheBroker() throws Exception {
        String python = pythonWithZmq();
        assumeTrue(python != null, "skipped: no python3 with the zmq module (Debian: apt-get install python3-zmq; "
                + "scripts/prereqs installs it)");
        Path script = Files.writeString(dir.resolve("zmq-garbage.py"), PYTHON_GARBAGE);
        Result r = Cli.plain().withTimeout(Duration.ofSeconds(60))
                .exec(List.of(python, script.toString(), toml.hosts().get(0).connect(), cert.toString()));
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("sent everything"), r::toString);
        assertTreeWhole();
        String log = dmesg(ranks[0]);
        assertTrue(log.contains("dropped"), log);
        assertTrue(log.contains("does not hold the instance certificate"), log);
    }

    /** A python3 that can import zmq (Debian's python3-zmq is for /usr/bin/python3), or null. */
    private static String pythonWithZmq() {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import zmq").redirectErrorStream(true).start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * Three libzmq DEALERs: one without CURVE, one with a stranger's keys, one with the instance's
     * keys that sends frames no broker would (wrong counts, random bytes, empty, header lengths past
     * the frame, batch frames that are empty, random or announce lengths past their end, 1 MiB).
     */
    private static final String PYTHON_GARBAGE = """
            import os, re, sys, time, zmq
            endpoint, cert = sys.argv[1], sys.argv[2]
            text = open(cert).read()
            pub = re.search(r'public-key = "([^"]+)"', text).group(1).encode()
            sec = re.search(r'secret-key = "([^"]+)"', text).group(1).encode()
            ctx = zmq.Context()
            plain = ctx.socket(zmq.DEALER); plain.linger = 0; plain.connect(endpoint)
            spub, ssec = zmq.curve_keypair()
            stranger = ctx.socket(zmq.DEALER); stranger.linger = 0
            stranger.curve_serverkey = pub; stranger.curve_publickey = spub; stranger.curve_secretkey = ssec
            stranger.connect(endpoint)
            stranger.send(b'x', zmq.NOBLOCK)
            insider = ctx.socket(zmq.DEALER); insider.linger = 1000
            insider.curve_serverkey = pub; insider.curve_publickey = pub; insider.curve_secretkey = sec
            insider.connect(endpoint)
            insider.send(os.urandom(100))
            insider.send(b'')
            insider.send(b'\\x00\\x00\\x00\\x40\\x9d\\x43\\x01' + os.urandom(20))
            insider.send(b'\\xff\\xff\\xff\\xff' + os.urandom(20))
            insider.send(b'\\xcb')
            insider.send(b'\\xcb' + os.urandom(60))
            insider.send(b'\\xcb\\x00\\x00\\x00\\x0a\\x00\\x00\\x00\\x40\\x9d\\x43' + os.urandom(20))
            insider.send(b'\\xcb\\xff\\xff\\xff\\xff' + os.urandom(8))
            insider.send_multipart([os.urandom(10), os.urandom(10)])
            insider.send_multipart([b'\\x43' + os.urandom(50), os.urandom(5)])
            insider.send_multipart([os.urandom(5)] * 40)
            insider.send_multipart([b'', b''])
            insider.send_multipart([os.urandom(1 << 20), b''])
            time.sleep(1)
            for s in (plain, stranger, insider):
                s.close()
            ctx.term()
            print("sent everything")
            """;

    private static byte[] greeting(String mechanism) {
        ByteBuffer g = ByteBuffer.allocate(64);
        g.put((byte) 0xff).put(new byte[8]).put((byte) 0x7f).put((byte) 3).put((byte) 0);
        byte[] mech = new byte[20];
        System.arraycopy(mechanism.getBytes(), 0, mech, 0, mechanism.length());
        g.put(mech).put((byte) 0).put(new byte[31]);
        return g.array();
    }

    /** A ZMTP command frame with a long size and a few bytes of the body it promises. */
    private static byte[] longFrame(long size) {
        ByteBuffer f = ByteBuffer.allocate(9 + 100);
        f.put((byte) 6).putLong(size).put(new byte[100]);
        return f.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Sends {@code bytes} from the local address {@code from} (a loopback address of its own), then hangs up. */
    private static void sendFrom(String from, InetSocketAddress port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(port, 5_000);
            s.setSoTimeout(1_000);
            try {
                s.getOutputStream().write(bytes);
                s.getInputStream().read(new byte[64]);
            } catch (IOException e) {
                // the broker may well hang up on us
            }
        }
    }

    private static void sendAndClose(InetSocketAddress port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(port, 5_000);
            s.setSoTimeout(1_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                s.getInputStream().read(new byte[64]); // whatever the broker answers, if anything
            } catch (IOException e) {
                // the broker may well hang up on us: that is its right
            }
        }
    }
}
