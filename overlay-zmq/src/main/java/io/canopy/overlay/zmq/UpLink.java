package io.canopy.overlay.zmq;

import io.canopy.codec.CodecException;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.Dialect;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.Topology;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A follower's link to its parent: a DEALER that says hello until the parent accepts it (retrying
 * with capped backoff for as long as it takes, logging at a sane rate), then exchanges heartbeats
 * and messages, and starts over when the parent goes silent, disconnects, or no longer knows it.
 * A parent that only went silent, or asked this broker to rejoin, still holds its connection: the
 * hello goes again over that connection first (no new CURVE handshake, which a starved parent of a
 * thousand children could not afford for all of them at once), and only a connection that carries
 * no answer for another lost_timeout is closed and made anew. Used on the overlay thread only.
 */
final class UpLink {
    private static final Logger LOG = LogManager.getLogger(UpLink.class);
    private static final long MIN_BACKOFF = 100_000_000L;
    private static final long MAX_BACKOFF = 2_000_000_000L;
    private static final AtomicInteger MONITORS = new AtomicInteger();
    /** How long closing the socket may wait for a goodbye to leave. */
    private static final int GOODBYE_LINGER_MS = 2000;

    private enum State { IDLE, HELLO, UP }

    private final ZContext ctx;
    private final OverlaySettings settings;
    private final Frames frames;
    private final OverlayListener listener;
    private final Runnable socketsChanged;
    private final String uuid = UUID.randomUUID().toString();
    private final RateLimitedLog rare = new RateLimitedLog(LOG, 60_000_000_000L);
    private ZMQ.Socket socket;
    private ZMQ.Socket monitor;
    private State state = State.IDLE;
    private long backoff = MIN_BACKOFF;
    private long nextHello;
    private long lastHeard;
    private long lastSent;
    /** The parent's state as last heard (hello-ok, state message or heartbeat). */
    private String parentState = "";
    /** Something came from the parent since the last {@link #tick}. */
    private boolean heardThisRound;
    private volatile boolean up;
    /**
     * Hello is being said again over a connection that was up: what the parent sends meanwhile is
     * still for this broker, and past lost_timeout (from {@link #rehelloSince}) without an answer
     * the connection is given up.
     */
    private boolean rehelloing;
    private long rehelloSince;
    /** The parent said in its hello-ok that it reads batch frames. */
    private boolean parentReadsBatches;
    /** The handshake interval of the next connection: grows while connections close unanswered. */
    private volatile int handshakeIvl = Frames.HANDSHAKE_IVL_MS;
    /** Something came from the parent over the current socket. */
    private boolean heardOnSocket;

    UpLink(ZContext ctx, OverlaySettings settings, Frames frames, OverlayListener listener, Runnable socketsChanged) {
        this.ctx = ctx;
        this.settings = settings;
        this.frames = frames;
        this.listener = listener;
        this.socketsChanged = socketsChanged;
    }

    /** The handshake interval the next connection gets (any thread; for tests). */
    int handshakeIvl() {
        return handshakeIvl;
    }

    boolean isUp() {
        return up;
    }

    ZMQ.Socket socket() {
        return socket;
    }

    ZMQ.Socket monitor() {
        return monitor;
    }

    /** Sends to the parent; false when the link is not up or ZeroMQ refused. */
    boolean send(Message m) {
        return sendAll(List.of(m));
    }

    /** Sends {@code ms} to the parent in order, batched if it reads batches; false as {@link #send}. */
    boolean sendAll(List<Message> ms) {
        if (state != State.UP) {
            return false;
        }
        if (!frames.sendAll(socket, null, ms, parentReadsBatches)) {
            return false;
        }
        lastSent = System.nanoTime();
        return true;
    }

    /** Timers: connect, resend hello, heartbeat, notice a silent parent. */
    void tick(long now) {
        if (socket == null && now >= nextHello) {
            open();
        }
        if (state == State.HELLO && rehelloing && now - rehelloSince >= settings.lost().toNanos()) {
            LOG.warn("overlay: no answer from parent {} (rank {}) over its old connection for {}s; connecting again",
                    parentHost(), settings.topology().parent(), settings.lost().toSeconds());
            closeSockets();
            state = State.IDLE;
            rehelloing = false;
            return;
        }
        if (state == State.HELLO && now >= nextHello) {
            sayHello();
            nextHello = now + backoff;
            backoff = Math.min(backoff * 2, MAX_BACKOFF);
        }
        // A parent just heard from gets this broker's heartbeat in the same wake-up once half a
        // keepalive has passed since the last: a leaf then wakes once a keepalive, not twice.
        boolean heard = heardThisRound;
        heardThisRound = false;
        if (state == State.UP) {
            if (DownLinks.heartbeatDue(now - lastSent, settings.keepalive().toNanos(), heard)) {
                send(Frames.control(Control.HEARTBEAT, Map.of()));
            }
            if (now - lastHeard >= settings.lost().toNanos()) {
                rehello("no heartbeat from the parent for " + settings.lost().toSeconds() + "s", now);
            }
        }
    }

    /** This broker ran again after a stall: the parent's silence is counted from {@code now}. */
    void resumed(long now) {
        lastHeard = Math.max(lastHeard, now);
    }

    /** Nanoseconds until {@link #tick} has something to do. */
    long nextDeadline(long now) {
        if (state == State.UP) {
            return Math.min(lastSent + settings.keepalive().toNanos(), lastHeard + settings.lost().toNanos());
        }
        return rehelloing ? Math.min(nextHello, rehelloSince + settings.lost().toNanos()) : nextHello;
    }

    /** Reads everything the parent sent. */
    void receive() {
        Frames.Received in;
        while (socket != null && (in = Frames.receive(socket)) != null) {
            List<byte[]> parts = in.parts();
            if (parts.size() != 1) {
                rare.log(Level.WARN, "frames", "overlay: dropped a message of " + parts.size()
                        + " frames from the parent (expected 1)");
                continue;
            }
            List<Message> ms;
            try {
                ms = frames.decodeAll(parts.get(0));
            } catch (CodecException e) {
                rare.log(Level.WARN, "decode", "overlay: dropped an unreadable message from the parent: " + e.getMessage());
                continue;
            }
            for (Message m : ms) {
                try {
                    handle(m);
                } catch (RpcException e) {
                    rare.log(Level.WARN, "decode", "overlay: dropped a control message with a bad body from the parent: "
                            + e.getMessage());
                }
            }
        }
    }

    /** Reads socket events: a dropped TCP connection means the parent is gone. */
    void monitorEvents() {
        ZMQ.Event e;
        while (monitor != null && (e = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT)) != null) {
            if (e.getEvent() != ZMQ.EVENT_DISCONNECTED) {
                continue;
            }
            if (state == State.UP || rehelloing) {
                drop("the connection to the parent closed", System.nanoTime());
            } else if (state == State.HELLO && !heardOnSocket) {
                // ZeroMQ would connect again with the same interval and drop the handshake again
                // if the machine is as busy: the next connection gets longer (see Frames).
                handshakeIvl = Math.min(handshakeIvl * 2, Frames.MAX_HANDSHAKE_IVL_MS);
                LOG.debug("overlay: the connection to parent {} closed before it answered; the next "
                        + "handshake may take {} ms", parentHost(), handshakeIvl);
                long now = System.nanoTime();
                long wait = backoff;
                drop("the connection closed during its handshake", now);
                nextHello = now + wait; // a parent that refuses the certificate is not asked 10 times a second
                backoff = Math.min(wait * 2, MAX_BACKOFF);
            }
        }
    }

    /** Tells the parent this broker leaves on purpose. */
    void goodbye() {
        if (state == State.UP) {
            send(Frames.control(Control.GOODBYE, Map.of()));
            // The socket closes right after: give ZeroMQ time to deliver it (5 ms was too little on a
            // busy machine, and a parent that never got the goodbye took this broker for lost).
            socket.setLinger(GOODBYE_LINGER_MS);
        }
    }

    void close() {
        closeSockets();
    }

    private void handle(Message m) throws RpcException {
        long now = System.nanoTime();
        lastHeard = now;
        heardThisRound = true;
        heardOnSocket = true;
        if (m.type() != MessageType.CONTROL) {
            if (state == State.UP || rehelloing) { // a parent still sending holds this broker as its child
                listener.fromParent(m);
            }
            return;
        }
        switch (m.topic()) {
            case Control.HELLO_OK -> {
                if (state != State.UP) {
                    var body = Payloads.tree(m.payload());
                    String who = "parent " + parentHost() + " (rank " + settings.topology().parent() + ")";
                    var refusal = Dialect.refusal(who, Dialect.of(body), Dialect.softwareOf(body));
                    if (refusal.isPresent()) { // an older parent cannot tell: the newer side refuses
                        rare.log(Level.ERROR, "dialect", "overlay: not joining " + refusal.get() + "; retrying");
                        listener.refused(parentHost() + " (rank " + settings.topology().parent() + ")", refusal.get());
                        drop(refusal.get(), now);
                        nextHello = now + 10_000_000_000L; // in case it is updated meanwhile; not every 100 ms
                        return;
                    }
                    if (Dialect.of(body) != Dialect.CURRENT) {
                        LOG.info("overlay: {} runs {}; speaking its dialect", who, Dialect.softwareOf(body));
                    }
                    state = State.UP;
                    up = true;
                    handshakeIvl = Frames.HANDSHAKE_IVL_MS;
                    rehelloing = false;
                    parentReadsBatches = body.path("batch").asBoolean(false);
                    backoff = MIN_BACKOFF;
                    lastSent = now;
                    rare.reset("refused");
                    LOG.info("overlay: joined parent {} (rank {})", parentHost(), settings.topology().parent());
                    String session = body.path("session").asText("");
                    parentState = body.path("state").asText("unknown");
                    listener.parentUp(parentState, session.isEmpty() ? null : session);
                }
            }
            case Control.HELLO_REFUSED -> {
                var body = Payloads.tree(m.payload());
                if (!body.path("retry").asBoolean(true)) { // for `canopy overlay errors` here too
                    listener.refused(parentHost() + " (rank " + settings.topology().parent() + ")",
                            "it refused this broker: " + body.path("reason").asText());
                }
                rare.log(body.path("retry").asBoolean(true) ? Level.INFO : Level.ERROR, "refused",
                        "overlay: parent " + parentHost() + " (rank " + settings.topology().parent()
                                + ") refused hello: " + body.path("reason").asText() + "; retrying");
            }
            case Control.STATE, Control.HEARTBEAT -> {
                // A heartbeat carries the parent's state too: one that differs from what this
                // broker last heard makes up for a state message it missed.
                String s = Payloads.tree(m.payload()).path("state").asText("");
                if (state == State.UP && !s.isEmpty() && (m.topic().equals(Control.STATE) || !s.equals(parentState))) {
                    parentState = s;
                    listener.parentState(s);
                }
            }
            case Control.DISCONNECT -> drop("the parent disconnected this broker: "
                    + Payloads.tree(m.payload()).path("reason").asText("no reason given"), now);
            case Control.REJOIN -> {
                if (state == State.UP) {
                    rehello("the parent no longer knows this broker (did it restart?)", now);
                }
            }
            default -> LOG.debug("overlay: ignoring control {} from the parent", m.topic());
        }
    }

    private void open() {
        socket = ctx.createSocket(SocketType.DEALER);
        socket.setLinger(5);
        socket.setImmediate(true);
        socket.setSndHWM(0);
        socket.setRcvHWM(0);
        socket.setMaxMsgSize(frames.maxZmqFrame());
        socket.setHandshakeIvl(handshakeIvl);
        socket.setReconnectIVL(100);
        socket.setReconnectIVLMax(2000);
        socket.setIdentity(("r" + settings.topology().rank() + "-" + uuid).getBytes(StandardCharsets.UTF_8));
        if (settings.cert() != null) {
            socket.setCurvePublicKey(settings.cert().publicKeyBytes());
            socket.setCurveSecretKey(settings.cert().secretKeyBytes());
            socket.setCurveServerKey(settings.cert().publicKeyBytes());
        }
        String monitorUri = "inproc://canopy-up-monitor-" + MONITORS.incrementAndGet();
        socket.monitor(monitorUri, ZMQ.EVENT_DISCONNECTED);
        monitor = ctx.createSocket(SocketType.PAIR);
        monitor.setLinger(0);
        monitor.connect(monitorUri);
        socket.connect(settings.parentUri());
        heardOnSocket = false;
        state = State.HELLO;
        nextHello = System.nanoTime();
        socketsChanged.run();
    }

    private void sayHello() {
        Topology t = settings.topology();
        boolean sent = frames.send(socket, null, Frames.control(Control.HELLO, Map.of(
                "rank", t.rank(), "host", t.host(t.rank()), "version", Message.PROTOCOL_VERSION,
                "instance", settings.instanceId(), "uuid", uuid, "batch", true, "dialect", Dialect.CURRENT,
                "software", Dialect.software())));
        if (!sent) {
            rare.log(Level.INFO, "waiting", "overlay: waiting for parent " + parentHost() + " (rank "
                    + t.parent() + ") at " + settings.parentUri());
        }
    }

    /**
     * The link is down ({@code why}) but its connection is open: hello again over it at once, as
     * {@link #drop} otherwise.
     */
    private void rehello(String why, long now) {
        state = State.HELLO;
        up = false;
        rehelloing = true;
        rehelloSince = now;
        nextHello = now;
        backoff = MIN_BACKOFF;
        LOG.warn("overlay: lost parent {} (rank {}): {}; saying hello again over the same connection",
                parentHost(), settings.topology().parent(), why);
        listener.parentDown(why);
    }

    private void drop(String why, long now) {
        boolean wasUp = state == State.UP;
        closeSockets();
        state = State.IDLE;
        rehelloing = false;
        up = false;
        nextHello = now + MIN_BACKOFF;
        backoff = MIN_BACKOFF;
        if (wasUp) {
            LOG.warn("overlay: lost parent {} (rank {}): {}", parentHost(), settings.topology().parent(), why);
            listener.parentDown(why);
        }
    }

    private void closeSockets() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
        if (monitor != null) {
            monitor.close();
            monitor = null;
        }
        socketsChanged.run();
    }

    private String parentHost() {
        return settings.topology().host(settings.topology().parent());
    }
}
