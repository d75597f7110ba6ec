package io.canopy.overlay.memory;

import io.canopy.overlay.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The wires between the {@link MemoryOverlay}s of one JVM, so that a whole tree of brokers can be
 * tested in one process (as flux-core's {@code loop://} connector or Ratis's MiniRaftCluster do):
 * each overlay registers under its rank while it runs, and what it says to a neighbour is put on
 * that neighbour's queue. It also holds the faults a test inflicts, each named after what it
 * imitates in a real instance:
 * <ul>
 *   <li>{@link #cut}: the link between a rank and its parent drops everything both ways, with no
 *       connection reset (a pulled cable): both sides find out from the silence alone;
 *   <li>{@link #freeze}: a broker's overlay stops running (SIGSTOP, as seen from the tree): what is
 *       sent to it and by it waits, a child that dropped its link cannot connect to it again (a
 *       handshake needs both sides), and on {@link #thaw} it notices its own stall;
 *   <li>{@link #kill}: a broker vanishes without a goodbye (kill -9): its children see their
 *       connection close at once, its parent only when a send to it fails.
 * </ul>
 * A broker started again under the same rank gets a new overlay (a new identity, as a new process).
 * Thread-safe: overlays call in from their own threads, tests from theirs.
 */
public final class MemoryNetwork {
    private static final Logger LOG = LogManager.getLogger(MemoryNetwork.class);

    /**
     * The overlay's clocks: heartbeats every {@code keepalive}; a child silent for {@code torpid}
     * is torpid, for {@code lost} (or a parent silent for {@code lost}) lost; hellos to a parent
     * that does not answer are resent from {@code helloMin}, doubling up to {@code helloMax}.
     */
    public record Timeouts(Duration keepalive, Duration torpid, Duration lost, Duration helloMin, Duration helloMax) {
        public Timeouts {
            Objects.requireNonNull(keepalive, "keepalive");
            Objects.requireNonNull(torpid, "torpid");
            Objects.requireNonNull(lost, "lost");
            Objects.requireNonNull(helloMin, "helloMin");
            Objects.requireNonNull(helloMax, "helloMax");
            if (keepalive.compareTo(torpid) >= 0 || torpid.compareTo(lost) >= 0) {
                throw new IllegalArgumentException("need keepalive < torpid < lost, got " + keepalive + ", " + torpid
                        + ", " + lost);
            }
            if (helloMin.isNegative() || helloMin.isZero() || helloMin.compareTo(helloMax) > 0) {
                throw new IllegalArgumentException("need 0 < helloMin <= helloMax, got " + helloMin + ", " + helloMax);
            }
        }

        /** Clocks for tests: a loss is noticed within a second, a rejoin within a fifth. */
        public static Timeouts fast() {
            return new Timeouts(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofMillis(1000),
                    Duration.ofMillis(10), Duration.ofMillis(200));
        }
    }

    /** A child's open link to the parent process it reached. */
    private record Connection(MemoryOverlay child, MemoryOverlay parent) {}

    private final Timeouts timeouts;
    private final Map<Integer, MemoryOverlay> live = new HashMap<>();
    private final Map<Integer, Connection> connections = new HashMap<>();
    private final Set<Integer> cut = new HashSet<>();

    public MemoryNetwork(Timeouts timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /** A new overlay for the broker at {@code topology.rank()}; it joins the network when started. */
    public MemoryOverlay overlay(Topology topology) {
        return new MemoryOverlay(this, topology);
    }

    /** Whether a broker's overlay runs under {@code rank} now. */
    public synchronized boolean isLive(int rank) {
        return live.containsKey(rank);
    }

    /** From now on everything between {@code rank} and its parent is lost on the way, both ways. */
    public synchronized void cut(int rank) {
        LOG.info("memory network: cutting the link between rank {} and its parent", rank);
        cut.add(rank);
    }

    /** The link between {@code rank} and its parent carries messages again. */
    public synchronized void heal(int rank) {
        if (cut.remove(rank)) {
            LOG.info("memory network: healing the link between rank {} and its parent", rank);
        }
    }

    /** Stops the overlay of {@code rank} until {@link #thaw}: nothing it sends or is sent moves. */
    public void freeze(int rank) {
        running(rank).freeze();
    }

    /** Lets a frozen overlay run again; it finds that it did not run for a while. */
    public void thaw(int rank) {
        running(rank).thaw();
    }

    /** The broker at {@code rank} vanishes from the tree without a goodbye. */
    public void kill(int rank) {
        running(rank).kill();
    }

    private synchronized MemoryOverlay running(int rank) {
        MemoryOverlay o = live.get(rank);
        if (o == null) {
            throw new IllegalStateException("no overlay runs under rank " + rank);
        }
        return o;
    }

    // ---- called by the overlays ----

    synchronized void started(MemoryOverlay o) {
        MemoryOverlay old = live.putIfAbsent(o.rank(), o);
        if (old != null) {
            throw new IllegalStateException("an overlay already runs under rank " + o.rank());
        }
    }

    /** {@code o} is gone (closed or killed): its connections close, and the children on them notice. */
    void gone(MemoryOverlay o) {
        List<MemoryOverlay> orphans = new ArrayList<>();
        synchronized (this) {
            live.remove(o.rank(), o);
            connections.values().removeIf(c -> {
                if (c.parent() == o && !cut.contains(c.child().rank())) {
                    orphans.add(c.child());
                }
                return c.child() == o || c.parent() == o;
            });
        }
        orphans.forEach(c -> c.arrive(c::parentClosed));
    }

    /**
     * Hands {@code s} from {@code child} to its parent; false when there is no parent process to
     * take it (it is not started, or gone, or frozen while the child has no connection to it yet).
     * Reaching it opens the child's connection to it.
     */
    synchronized boolean toParent(MemoryOverlay child, Signal s) {
        if (live.get(child.rank()) != child) {
            return false;
        }
        if (cut.contains(child.rank())) {
            return true; // lost on the way, and nobody is told
        }
        MemoryOverlay parent = live.get(child.parentRank());
        if (parent == null) {
            return false;
        }
        Connection c = connections.get(child.rank());
        if (c == null || c.child() != child || c.parent() != parent) {
            if (parent.frozen()) {
                return false; // a new connection's handshake needs the parent to answer
            }
            connections.put(child.rank(), new Connection(child, parent));
        }
        String identity = child.identity();
        parent.arrive(() -> parent.fromChild(child.rank(), identity, s));
        return true;
    }

    /**
     * Hands {@code s} from {@code parent} to the child process {@code identity}; false when that
     * child has no open connection to this parent (it died, restarted, or dropped the link).
     */
    synchronized boolean toChild(MemoryOverlay parent, int rank, String identity, Signal s) {
        if (live.get(parent.rank()) != parent) {
            return false;
        }
        if (cut.contains(rank)) {
            return true;
        }
        Connection c = connections.get(rank);
        if (c == null || c.parent() != parent || !c.child().identity().equals(identity)) {
            return false;
        }
        MemoryOverlay child = c.child();
        child.arrive(() -> child.fromParent(s));
        return true;
    }

    /** {@code child} dropped its link to the parent (it will say hello again). */
    synchronized void closedUp(MemoryOverlay child) {
        Connection c = connections.get(child.rank());
        if (c != null && c.child() == child) {
            connections.remove(child.rank());
        }
    }
}
