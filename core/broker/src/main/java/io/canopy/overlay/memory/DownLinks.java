package io.canopy.overlay.memory;

import io.canopy.message.Message;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A parent's links to its children in memory, with the real overlay's rules: a child is admitted by
 * a hello only once the broker is past init (else refused with "retry"); silent for the torpid
 * timeout it is torpid, for the lost timeout (or when a send finds its connection gone) lost, and
 * heard again while torpid online; a goodbye makes it offline. After this broker's own stall, a
 * child gets a fresh lost timeout and what cannot reach it waits for its hello. Used on the overlay
 * thread only, except {@link #status} and {@link #silence}.
 */
final class DownLinks {
    private static final Logger LOG = LogManager.getLogger(DownLinks.class);
    private static final Set<String> ADMITTING = Set.of("quorum", "run", "cleanup");
    /** Most messages held for a child that is reconnecting after this broker's stall. */
    private static final int HOLD_LIMIT = 100_000;

    /** One admitted child process. */
    private static final class Child {
        final int rank;
        final String identity;
        long lastHeard;
        long lastSent;
        PeerStatus status = PeerStatus.OFFLINE;
        /** What was sent to it since its connection dropped during this broker's stall (null: nothing held). */
        List<Message> held;
        /** Time added to its lost timeout after this broker's stall, until it is heard from again. */
        long allowance;

        Child(int rank, String identity, long now) {
            this.rank = rank;
            this.identity = identity;
            this.lastHeard = now;
            this.lastSent = now;
        }
    }

    private final MemoryOverlay overlay;
    private final MemoryNetwork network;
    private final Topology topology;
    private final MemoryNetwork.Timeouts timeouts;
    private final OverlayListener listener;
    private final Map<Integer, Child> byRank = new HashMap<>();
    private final Map<Integer, PeerStatus> status = new ConcurrentHashMap<>();
    private final Map<Integer, Long> heardAt = new ConcurrentHashMap<>();
    /** This process's session, sent in every hello-ok. */
    private final String session = UUID.randomUUID().toString();
    /** How much longer than the lost timeout a child may take to say hello again after this broker's stall. */
    private final long rejoinAllowance;
    private long graceUntil;
    private boolean stalled;

    DownLinks(MemoryOverlay overlay, OverlayListener listener) {
        this.overlay = overlay;
        this.network = overlay.network();
        this.topology = overlay.topology();
        this.timeouts = overlay.timeouts();
        this.listener = listener;
        this.rejoinAllowance = timeouts.helloMax().toNanos() + timeouts.keepalive().toNanos();
        for (int c : topology.children()) {
            status.put(c, PeerStatus.OFFLINE);
        }
    }

    PeerStatus status(int rank) {
        return status.getOrDefault(rank, PeerStatus.OFFLINE);
    }

    /** Nanoseconds since {@code rank} was last heard, as of the last {@link #tick}. */
    OptionalLong silence(int rank) {
        Long at = heardAt.get(rank);
        return at == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, System.nanoTime() - at));
    }

    void send(int rank, Message m) {
        transmit(rank, new Signal.Data(m));
    }

    void announce(String state) {
        for (Child c : List.copyOf(byRank.values())) {
            transmit(c.rank, new Signal.State(state));
        }
    }

    void disconnect(int rank, String reason) {
        Child c = byRank.get(rank);
        if (c != null) {
            network.toChild(overlay, rank, c.identity, new Signal.Disconnect(reason));
            mark(c, PeerStatus.LOST, reason);
            forget(c);
        }
    }

    /** Heartbeats out, silence in. */
    void tick(long now) {
        for (Child c : List.copyOf(byRank.values())) {
            heardAt.put(c.rank, c.lastHeard);
            long silent = now - c.lastHeard;
            if (silent >= timeouts.lost().toNanos() + c.allowance) {
                mark(c, PeerStatus.LOST, "no heartbeat for " + timeouts.lost().toMillis() + "ms");
                forget(c);
                continue;
            }
            if (silent >= timeouts.torpid().toNanos() && c.status == PeerStatus.ONLINE) {
                mark(c, PeerStatus.TORPID, "no heartbeat for " + timeouts.torpid().toMillis() + "ms");
            }
            if (c.held == null && now - c.lastSent >= timeouts.keepalive().toNanos()) {
                transmit(c.rank, new Signal.Heartbeat(listener.stateForHello()));
            }
        }
    }

    long nextDeadline(long now) {
        long next = now + timeouts.keepalive().toNanos();
        for (Child c : byRank.values()) {
            next = Math.min(next, c.lastSent + timeouts.keepalive().toNanos());
            next = Math.min(next, c.lastHeard + (c.status == PeerStatus.ONLINE
                    ? timeouts.torpid().toNanos() : timeouts.lost().toNanos() + c.allowance));
        }
        return next;
    }

    /** This broker ran again after a stall: each child's silence is counted from {@code now}. */
    void resumed(long now) {
        stalled = true;
        graceUntil = now + timeouts.lost().toNanos() + rejoinAllowance;
        for (Child c : byRank.values()) {
            c.lastHeard = Math.max(c.lastHeard, now);
            c.allowance = rejoinAllowance;
        }
    }

    /** What the child process {@code identity} at {@code rank} said. */
    void receive(int rank, String identity, Signal s, long now) {
        if (s instanceof Signal.Hello h) {
            hello(rank, identity, h, now);
            return;
        }
        Child c = byRank.get(rank);
        if (c == null || !c.identity.equals(identity)) {
            LOG.debug("memory overlay: asking rank {} (not admitted) to say hello", rank);
            network.toChild(overlay, rank, identity, new Signal.Rejoin());
            return;
        }
        c.lastHeard = now;
        if (!stalled || now - graceUntil > 0) {
            c.allowance = 0;
        }
        if (c.status == PeerStatus.TORPID) {
            mark(c, PeerStatus.ONLINE, "heard from again");
        }
        if (s instanceof Signal.Data d) {
            listener.fromChild(rank, d.message());
        } else if (s instanceof Signal.Goodbye) {
            mark(c, PeerStatus.OFFLINE, "said goodbye");
            forget(c);
        }
    }

    private void hello(int rank, String identity, Signal.Hello h, long now) {
        String refusal = null;
        boolean retry = false;
        if (!topology.children().contains(rank) || !topology.host(rank).equals(h.host())) {
            refusal = h.host() + " (rank " + rank + ") is not a child of rank " + topology.rank() + ": mismatched topology?";
        } else if (!ADMITTING.contains(listener.stateForHello())) {
            refusal = "not ready (state " + listener.stateForHello() + ")";
            retry = true;
        }
        if (refusal != null) {
            network.toChild(overlay, rank, identity, new Signal.HelloRefused(refusal, retry));
            if (retry) {
                Child known = byRank.get(rank);
                if (known != null) { // alive, only kept waiting: its silence starts again
                    known.lastHeard = Math.max(known.lastHeard, now);
                }
            } else {
                listener.refused(h.host() + " (rank " + rank + ")", refusal);
            }
            return;
        }
        Child old = byRank.get(rank);
        if (old != null && !old.identity.equals(identity)) {
            LOG.error("memory overlay: rank {} reconnected after a crash; dropping its old connection state", rank);
            mark(old, PeerStatus.LOST, "reconnected after a crash");
            forget(old);
            old = null;
        }
        if (old == null) {
            Child c = new Child(rank, identity, now);
            byRank.put(rank, c);
            mark(c, PeerStatus.ONLINE, null);
        } else {
            old.lastHeard = now; // the same child saying hello again (it lost this broker for a while)
            old.allowance = 0;
            if (old.status == PeerStatus.TORPID) {
                mark(old, PeerStatus.ONLINE, "heard from again");
            }
        }
        network.toChild(overlay, rank, identity, new Signal.HelloOk(listener.stateForHello(), session));
        Child c = byRank.get(rank);
        if (c.held != null) {
            List<Message> waited = c.held;
            c.held = null;
            LOG.info("memory overlay: rank {} is back; sending the {} message(s) that waited for it", rank, waited.size());
            waited.forEach(m -> send(rank, m));
        }
    }

    /** Hands {@code s} to a child; a child whose connection is gone is lost (or, after a stall, waited for). */
    private void transmit(int rank, Signal s) {
        Child c = byRank.get(rank);
        if (c == null) {
            return;
        }
        if (c.held != null) {
            hold(c, s);
            return;
        }
        if (!network.toChild(overlay, rank, c.identity, s)) {
            if (stalled && System.nanoTime() - graceUntil < 0) {
                LOG.info("memory overlay: rank {} is reconnecting after this broker's stall; what is sent to it waits "
                        + "for its hello", rank);
                c.held = new ArrayList<>();
                hold(c, s);
                return;
            }
            mark(c, PeerStatus.LOST, "its connection dropped without a goodbye");
            forget(c);
            return;
        }
        c.lastSent = System.nanoTime();
    }

    private void hold(Child c, Signal s) {
        if (s instanceof Signal.Data d) {
            c.held.add(d.message());
        }
        if (c.held.size() > HOLD_LIMIT) {
            mark(c, PeerStatus.LOST, "its connection dropped and " + HOLD_LIMIT + " messages waited for it");
            forget(c);
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
    }
}
