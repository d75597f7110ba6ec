package io.canopy.overlay.zmq;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.codec.CodecException;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.module.Durations;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.Dialect;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZEvent;
import org.zeromq.ZMonitor;
import org.zeromq.ZMQ;

/**
 * A parent's links to its children: one bound ROUTER. Admits a child only after a hello that
 * matches the configuration (rank, host, protocol version, instance) and only once the broker is
 * past init; then watches each child's heartbeats: silent for the torpid timeout it is torpid,
 * for the lost timeout (or its connection gone without a goodbye) it is lost. Used on the overlay
 * thread only, except {@link #status}, which any thread may read.
 */
final class DownLinks {
    private static final Logger LOG = LogManager.getLogger(DownLinks.class);
    private static final Set<String> ADMITTING = Set.of("quorum", "run", "cleanup");
    /**
     * How much longer than lost_timeout a child may take to be heard from after this broker's
     * stall: a child that gave up on its stopped parent says hello again only once its new
     * connection is through (a handshake begun while the parent was stopped is dropped after the
     * 5 s handshake interval, and the socket reconnects within 2 s) and its hello backoff (at most
     * 2 s) comes round.
     */
    private static final long REJOIN_ALLOWANCE = (Frames.HANDSHAKE_IVL_MS + 2_000L + 2_000L) * 1_000_000L;
    /** Most messages held for a child that is reconnecting after this broker's stall. */
    private static final int HOLD_LIMIT = 100_000;
    /** Handshakes that fail before the ZAP handler is asked (which logs its own refusals). */
    private static final int HANDSHAKE_FAILURES = zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;

    /** One admitted child. */
    private static final class Child {
        final int rank;
        final byte[] identity;
        /** It said in its hello that it reads batch frames. */
        final boolean readsBatches;
        long lastHeard;
        long lastSent;
        /** Heard from since the last {@link #tick}: it gets its heartbeat in the same wake-up once half due. */
        boolean heardThisRound;
        PeerStatus status = PeerStatus.ONLINE;
        /** What was sent to it since its connection dropped during this broker's stall (null: nothing held). */
        List<Message> held;
        /** Time added to its lost_timeout after this broker's stall, until it is heard from again. */
        long allowance;

        Child(int rank, byte[] identity, boolean readsBatches, long now) {
            this.rank = rank;
            this.identity = identity;
            this.readsBatches = readsBatches;
            this.lastHeard = now;
            this.lastSent = now;
        }
    }

    /** A connection JeroMQ's I/O thread saw close (with its peer's address), or a handshake it refused. */
    private record ConnectionEvent(String peer, String handshakeFailure) {}

    private final OverlaySettings settings;
    private final Frames frames;
    private final OverlayListener listener;
    private final ZMQ.Socket socket;
    private final Map<Integer, Child> byRank = new HashMap<>();
    /** When each child was last heard (nanoTime), copied at every tick for other threads; kept after a loss. */
    private final Map<Integer, Long> heardAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<ByteBuffer, Child> byIdentity = new HashMap<>();
    private final Map<Integer, PeerStatus> status = new ConcurrentHashMap<>();
    private final RateLimitedLog rare = new RateLimitedLog(LOG, 30_000_000_000L);
    /** This process's session, sent in every hello-ok: a child that rejoins the same session owes it its answers. */
    private final String session = java.util.UUID.randomUUID().toString();
    /** Until when a failed send means "reconnecting after our stall", not "lost" ({@link #resumed}). */
    private long graceUntil;
    private boolean stalled;
    /** When {@link #tick} next looks at every child (nanoTime); children heard from since the last tick. */
    private long nextScan = System.nanoTime();
    private final List<Child> heardNow = new ArrayList<>();
    /** Written by JeroMQ's I/O thread (its event hook): open connections' peers, and what happened to them. */
    private final Map<SelectableChannel, String> peers = new ConcurrentHashMap<>();
    private final Queue<ConnectionEvent> connectionEvents = new ConcurrentLinkedQueue<>();
    /** Overlay thread: peers (address:port) that sent at least one message over a connection still open. */
    private final Set<String> heardFrom = new HashSet<>();

    DownLinks(ZContext ctx, OverlaySettings settings, Frames frames, OverlayListener listener) throws IOException {
        this.settings = settings;
        this.frames = frames;
        this.listener = listener;
        this.socket = ctx.createSocket(SocketType.ROUTER);
        socket.setLinger(5);
        socket.setRouterMandatory(true);
        socket.setRouterHandover(true);
        socket.setSndHWM(0);
        socket.setRcvHWM(0);
        socket.setMaxMsgSize(frames.maxZmqFrame());
        socket.setHandshakeIvl(Frames.PARENT_HANDSHAKE_IVL_MS);
        if (settings.cert() != null) {
            socket.setZAPDomain("canopy");
            socket.setCurveServer(true);
            socket.setCurvePublicKey(settings.cert().publicKeyBytes());
            socket.setCurveSecretKey(settings.cert().secretKeyBytes());
        }
        try {
            socket.bind(settings.bindUri());
        } catch (RuntimeException e) {
            socket.close();
            throw new IOException("cannot bind " + settings.bindUri() + " for children: " + e.getMessage()
                    + " (is another broker using it? check [bootstrap] bind for this host)", e);
        }
        socket.setEventHook(this::connectionEvent, zmq.ZMQ.ZMQ_EVENT_ACCEPTED | zmq.ZMQ.ZMQ_EVENT_DISCONNECTED
                | HANDSHAKE_FAILURES);
        for (int c : settings.topology().children()) {
            status.put(c, PeerStatus.OFFLINE);
        }
        LOG.info("overlay: listening for children on {}", settings.bindUri());
    }

    ZMQ.Socket socket() {
        return socket;
    }

    /** On JeroMQ's I/O thread: notes each connection's peer, and queues closes and refused handshakes. */
    private void connectionEvent(ZEvent e) {
        Object value = e.getValue();
        switch (e.getEvent()) {
            case ACCEPTED -> {
                if (value instanceof SocketChannel ch) {
                    peers.put(ch, address(ch));
                }
            }
            case DISCONNECTED -> {
                if (value instanceof SocketChannel ch) {
                    String peer = peers.remove(ch);
                    connectionEvents.add(new ConnectionEvent(peer != null ? peer : address(ch), null));
                }
            }
            default -> connectionEvents.add(new ConnectionEvent(null, handshakeFailure(e.getEvent(),
                    value instanceof Integer i ? i : -1)));
        }
    }

    private static String address(SocketChannel ch) {
        try {
            return ch.getRemoteAddress() instanceof InetSocketAddress a
                    ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "an unknown address";
        }
    }

    /**
     * Logs (rate-limited, per peer host) each connection that closed before it sent one message:
     * garbage, HTTP, a peer without CURVE or with another certificate, a handshake that stalled;
     * and each handshake ZeroMQ refused. A connection that sent messages is not logged here: its
     * unreadable messages, if any, were logged as they came.
     */
    void monitorEvents() {
        ConnectionEvent e;
        while ((e = connectionEvents.poll()) != null) {
            if (e.handshakeFailure() != null) {
                rare.log(Level.WARN, "handshake-" + e.handshakeFailure(), "overlay: refused a connection on "
                        + settings.bindUri() + ": " + e.handshakeFailure());
                listener.refused("a peer of " + settings.bindUri(), e.handshakeFailure());
            } else if (!heardFrom.remove(e.peer())) {
                rare.log(Level.WARN, "silent-" + host(e.peer()), "overlay: a connection from " + e.peer() + " to "
                        + settings.bindUri() + " closed before it sent a message: not a broker of this instance "
                        + "(garbage, HTTP, no CURVE or another certificate), or a handshake that stalled");
                listener.refused(e.peer(), "closed before it sent a message (not a broker of this instance, "
                        + "or a handshake that stalled)");
            }
        }
    }

    /** The host part of {@code address:port}, so that one noisy host is limited, not every other. */
    private static String host(String peer) {
        int colon = peer == null ? -1 : peer.lastIndexOf(':');
        return colon < 0 ? String.valueOf(peer) : peer.substring(0, colon);
    }

    private static String handshakeFailure(ZMonitor.Event event, int code) {
        if (code == zmq.ZMQ.ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC) {
            return "its CURVE handshake failed: it does not hold the instance certificate (check [bootstrap] curve_cert)";
        }
        if (code == zmq.ZMQ.ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
            return "it does not use CURVE security: it does not hold the instance certificate";
        }
        if (event == ZMonitor.Event.HANDSHAKE_FAILED_PROTOCOL) {
            return "ZMTP protocol error 0x" + Integer.toHexString(code) + " during the handshake: not a broker of this instance?";
        }
        return "the handshake failed (error " + code + "): not a ZeroMQ peer, or a broken one";
    }

    /** Nanoseconds since {@code rank} was last heard, as of the last {@link #tick}; any thread. */
    java.util.OptionalLong silence(int rank) {
        Long at = heardAt.get(rank);
        return at == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(Math.max(0, System.nanoTime() - at));
    }

    /** A child's status as last decided; safe from any thread. */
    PeerStatus status(int rank) {
        return status.getOrDefault(rank, PeerStatus.OFFLINE);
    }

    /** Sends to a child; false (and the child marked lost) when its connection is gone. */
    boolean send(int rank, Message m) {
        return sendAll(rank, List.of(m));
    }

    /** Sends {@code ms} to a child in order, batched if it reads batches; false (and the child lost) as {@link #send}. */
    boolean sendAll(int rank, List<Message> ms) {
        Child c = byRank.get(rank);
        if (c == null) {
            return false;
        }
        if (c.held != null) {
            return hold(c, ms);
        }
        if (!frames.sendAll(socket, c.identity, ms, c.readsBatches)) {
            if (stalled && System.nanoTime() - graceUntil < 0) {
                // It gave up on this broker while this broker was stopped, and is saying hello again:
                // not lost (that is judged from its silence), so what is sent to it waits for its hello.
                LOG.info("overlay: {} (rank {}) is reconnecting after this broker's stall; what is sent to it waits "
                        + "for its hello (lost after {} without one)", settings.topology().host(rank), rank,
                        Durations.format(settings.lost().plusNanos(REJOIN_ALLOWANCE)));
                c.held = new ArrayList<>();
                return hold(c, ms);
            }
            mark(c, PeerStatus.LOST, "its connection dropped without a goodbye");
            forget(c);
            return false;
        }
        c.lastSent = System.nanoTime();
        return true;
    }

    private boolean hold(Child c, List<Message> ms) {
        c.held.addAll(ms);
        if (c.held.size() > HOLD_LIMIT) {
            mark(c, PeerStatus.LOST, "its connection dropped and " + HOLD_LIMIT + " messages waited for it");
            forget(c);
            return false;
        }
        return true;
    }

    void announce(String state) {
        for (Child c : List.copyOf(byRank.values())) {
            send(c.rank, Frames.control(Control.STATE, Map.of("state", state)));
        }
    }

    void disconnect(int rank, String reason) {
        Child c = byRank.get(rank);
        if (c == null) {
            return;
        }
        frames.send(socket, c.identity, Frames.control(Control.DISCONNECT, Map.of("reason", reason)));
        mark(c, PeerStatus.LOST, reason);
        forget(c);
    }

    /**
     * A child of this broker, checked as such, asked to join while this broker could not take it
     * (not ready: back in join after losing its own parent): it is alive, so its silence starts again.
     */
    private void heardWhileRefused(int rank, long now) {
        Child c = byRank.get(rank);
        if (c != null) {
            c.lastHeard = Math.max(c.lastHeard, now);
        }
    }

    /**
     * Heartbeats out, silence in. Heartbeats leave together: once one child is due, every child
     * not sent anything for half a {@code keepalive} gets one in the same wake-up, so that a router
     * wakes about once a {@code keepalive} for all its children rather than once for each (an idle
     * instance of many brokers on few cores spends its CPU on wake-ups, not on the frames). Every
     * child is looked at only when the earliest deadline found by the last such look has come
     * (deadlines only move later in between: a child heard, sent to, gone, or just joined); in the
     * wake-ups between, only the children just heard from are (a flat leader of 1,023 children
     * spent a third of its overlay thread scanning them all on every wake-up).
     */
    void tick(long now) {
        long keepalive = settings.keepalive().toNanos();
        if (now - nextScan < 0) {
            for (Child c : heardNow) {
                c.heardThisRound = false;
                if (byRank.get(c.rank) == c) {
                    heardAt.put(c.rank, c.lastHeard);
                    if (c.held == null && heartbeatDue(now - c.lastSent, keepalive, true)) {
                        send(c.rank, Frames.control(Control.HEARTBEAT, Map.of("state", listener.stateForHello())));
                    }
                }
            }
            heardNow.clear();
            return;
        }
        heardNow.clear();
        boolean anyDue = false;
        for (Child c : byRank.values()) {
            anyDue |= c.held == null && now - c.lastSent >= keepalive;
        }
        for (Child c : List.copyOf(byRank.values())) {
            heardAt.put(c.rank, c.lastHeard);
            long silent = now - c.lastHeard;
            if (silent >= settings.lost().toNanos() + c.allowance) {
                mark(c, PeerStatus.LOST, "no heartbeat for " + settings.lost().toSeconds() + "s");
                forget(c);
                continue;
            }
            if (silent >= settings.torpid().toNanos() && c.status == PeerStatus.ONLINE) {
                mark(c, PeerStatus.TORPID, "no heartbeat for " + settings.torpid().toSeconds() + "s");
            }
            boolean heard = c.heardThisRound;
            c.heardThisRound = false;
            if (c.held == null && heartbeatDue(now - c.lastSent, keepalive, anyDue || heard)) {
                send(c.rank, Frames.control(Control.HEARTBEAT, Map.of("state", listener.stateForHello())));
            }
        }
        nextScan = earliestDeadline(now);
    }

    /**
     * Whether a neighbour last sent anything {@code sinceSent} ago gets a heartbeat now: once a
     * {@code keepalive} has passed, or half of one when this wake-up already has a reason to talk
     * to it ({@code early}: another heartbeat leaves now, or it was just heard from). Never more
     * often than every half {@code keepalive}, so two neighbours never answer each other's
     * heartbeats back and forth.
     */
    static boolean heartbeatDue(long sinceSent, long keepalive, boolean early) {
        return sinceSent >= (early ? keepalive / 2 : keepalive);
    }

    /** This broker ran again after a stall: each child's silence is counted from {@code now}. */
    void resumed(long now) {
        stalled = true;
        graceUntil = now + settings.lost().toNanos() + REJOIN_ALLOWANCE;
        nextScan = now;
        for (Child c : byRank.values()) {
            c.lastHeard = Math.max(c.lastHeard, now);
            c.allowance = REJOIN_ALLOWANCE;
        }
    }

    /** When {@link #tick} has something to do: the earliest deadline of the last look at every child. */
    long nextDeadline(long now) {
        return now - nextScan < 0 ? nextScan : now;
    }

    private long earliestDeadline(long now) {
        long next = now + settings.keepalive().toNanos();
        for (Child c : byRank.values()) {
            if (c.held == null) { // one whose messages wait for its hello gets no heartbeat: no deadline to wake for
                next = Math.min(next, c.lastSent + settings.keepalive().toNanos());
            }
            next = Math.min(next, c.lastHeard + (c.status == PeerStatus.ONLINE
                    ? settings.torpid().toNanos() : settings.lost().toNanos() + c.allowance));
        }
        return next;
    }

    /** Reads everything the children sent. */
    void receive() {
        Frames.Received in;
        while ((in = Frames.receive(socket)) != null) {
            List<byte[]> parts = in.parts();
            String from = in.peer() == null ? "an unknown address" : in.peer();
            if (in.peer() != null) {
                heardFrom.add(in.peer());
            }
            if (parts.size() != 2) {
                rare.log(Level.WARN, "frames-" + from, "overlay: dropped a message of " + parts.size()
                        + " frames from " + from + " (expected identity and message)");
                continue;
            }
            byte[] identity = parts.get(0);
            List<Message> ms;
            try {
                ms = frames.decodeAll(parts.get(1));
            } catch (CodecException e) {
                rare.log(Level.WARN, "decode-" + from, "overlay: dropped an unreadable message from peer "
                        + printable(identity) + " at " + from + ": " + e.getMessage());
                continue;
            }
            for (Message m : ms) {
                try {
                    if (!handle(identity, m)) {
                        break; // one rejoin answers a whole batch from a peer that was not admitted
                    }
                } catch (RpcException e) {
                    rare.log(Level.WARN, "payload-" + from, "overlay: dropped a control message with a bad body from "
                            + printable(identity) + " at " + from + ": " + e.getMessage());
                }
            }
        }
    }

    void close() {
        socket.close();
    }

    /** Handles one message from {@code identity}; false when that peer is not admitted (it was asked to rejoin). */
    private boolean handle(byte[] identity, Message m) throws RpcException {
        long now = System.nanoTime();
        if (m.type() == MessageType.CONTROL && m.topic().equals(Control.HELLO)) {
            hello(identity, Payloads.tree(m.payload()), now);
            return true;
        }
        Child c = byIdentity.get(ByteBuffer.wrap(identity));
        if (c == null) {
            rare.log(Level.DEBUG, "unknown", "overlay: asking unknown peer " + printable(identity) + " to say hello");
            frames.send(socket, identity, Frames.control(Control.REJOIN, Map.of()));
            return false;
        }
        c.lastHeard = now;
        if (!c.heardThisRound) {
            c.heardThisRound = true;
            heardNow.add(c);
        }
        if (!stalled || now - graceUntil > 0) {
            c.allowance = 0; // after a stall, what was queued before it is no sign that the child has rejoined
        }
        if (c.status == PeerStatus.TORPID) {
            mark(c, PeerStatus.ONLINE, "heard from again");
        }
        if (m.type() != MessageType.CONTROL) {
            listener.fromChild(c.rank, m);
        } else if (m.topic().equals(Control.GOODBYE)) {
            mark(c, PeerStatus.OFFLINE, "said goodbye");
            forget(c);
        }
        return true;
    }

    /**
     * A child this broker still holds, saying hello again from the same process while this broker
     * waits in shutdown for its children's checkpoints: its link is taken back, so that what it
     * hands up arrives (refused, it waited in join until its hand-up timed out, and its checkpoint
     * never reached this broker).
     */
    private boolean resuming(int rank, byte[] identity) {
        Child c = byRank.get(rank);
        return "shutdown".equals(listener.stateForHello()) && c != null && java.util.Arrays.equals(c.identity, identity);
    }

    private void hello(byte[] identity, JsonNode h, long now) {
        int rank = h.path("rank").asInt(-1);
        String host = h.path("host").asText("?");
        Topology t = settings.topology();
        String refusal = null;
        boolean retry = false;
        if (h.path("version").asInt(-1) != Message.PROTOCOL_VERSION) {
            refusal = "protocol version mismatch: the child speaks " + h.path("version").asText("?")
                    + ", this broker " + Message.PROTOCOL_VERSION + "; run the same Canopy version on both";
        } else if (Dialect.refusal(host + " (rank " + rank + ")", Dialect.of(h), Dialect.softwareOf(h)).isPresent()) {
            refusal = Dialect.refusal(host + " (rank " + rank + ")", Dialect.of(h), Dialect.softwareOf(h)).get();
        } else if (!settings.instanceId().equals(h.path("instance").asText())) {
            refusal = "wrong instance: the child's configuration lists other hosts; use the same system.toml everywhere";
        } else if (!t.children().contains(rank)) {
            refusal = "rank " + rank + " is not a child of rank " + t.rank() + ": mismatched config?";
        } else if (!t.host(rank).equals(host)) {
            refusal = host + " is not rank " + rank + " (that is " + t.host(rank) + "): mismatched config?";
        } else if (!ADMITTING.contains(listener.stateForHello()) && !resuming(rank, identity)) {
            refusal = "not ready (state " + listener.stateForHello() + ")";
            retry = true;
        }
        if (refusal != null) {
            rare.log(retry ? Level.DEBUG : Level.ERROR, "hello-" + rank + "-" + refusal,
                    "overlay: rejecting connection from " + host + " (rank " + rank + "): " + refusal);
            frames.send(socket, identity, Frames.control(Control.HELLO_REFUSED, Map.of("reason", refusal, "retry", retry)));
            if (!retry) {
                listener.refused(host + " (rank " + rank + ")", refusal);
            } else {
                heardWhileRefused(rank, now);
            }
            return;
        }
        Child old = byRank.get(rank);
        if (old != null && !java.util.Arrays.equals(old.identity, identity)) {
            LOG.error("overlay: {} (rank {}) reconnected after a crash; dropping its old connection state", host, rank);
            mark(old, PeerStatus.LOST, "reconnected after a crash");
            forget(old);
        }
        if (old == null || !java.util.Arrays.equals(old.identity, identity)) {
            Child c = new Child(rank, identity, h.path("batch").asBoolean(false), now);
            if (Dialect.of(h) != Dialect.CURRENT) {
                LOG.info("overlay: {} (rank {}) runs {}; speaking its dialect", host, rank, Dialect.softwareOf(h));
            }
            byRank.put(rank, c);
            byIdentity.put(ByteBuffer.wrap(identity), c);
            c.status = PeerStatus.OFFLINE;
            mark(c, PeerStatus.ONLINE, null);
        } else {
            old.lastHeard = now; // the same child saying hello again (it lost us for a while): a sign of life
            if (!stalled || now - graceUntil > 0) {
                // After this broker's stall it may be a hello that waited on a connection the child has
                // since given up (it says hello again over a new one): the allowance stays for that.
                old.allowance = 0;
            }
            if (old.status == PeerStatus.TORPID) {
                mark(old, PeerStatus.ONLINE, "heard from again");
            }
        }
        frames.send(socket, identity, Frames.control(Control.HELLO_OK,
                Map.of("state", listener.stateForHello(), "rank", t.rank(), "batch", true, "session", session,
                        "dialect", Dialect.CURRENT, "software", Dialect.software())));
        Child c = byRank.get(rank);
        if (c != null && c.held != null) {
            List<Message> waited = c.held;
            c.held = null;
            LOG.info("overlay: {} (rank {}) is back; sending the {} message(s) that waited for it", host, rank, waited.size());
            sendAll(rank, waited);
        }
    }

    private void mark(Child c, PeerStatus s, String why) {
        if (c.status == s) {
            return;
        }
        c.status = s;
        status.put(c.rank, s);
        listener.childStatus(c.rank, s, why);
    }

    private void forget(Child c) {
        byRank.remove(c.rank, c);
        byIdentity.remove(ByteBuffer.wrap(c.identity));
    }

    private static String printable(byte[] identity) {
        String s = new String(identity, java.nio.charset.StandardCharsets.UTF_8);
        return s.chars().allMatch(ch -> ch >= 32 && ch < 127) ? s : java.util.HexFormat.of().formatHex(identity);
    }
}
