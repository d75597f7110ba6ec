package io.canopy.overlay.memory;

import io.canopy.message.Message;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.Topology;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A follower's link to its parent in memory: says hello until the parent admits it (resending
 * with doubling backoff for as long as it takes), then exchanges heartbeats and messages, and
 * starts over when the parent goes silent for the lost timeout, its connection closes, it
 * disconnects this broker, or it no longer knows it. Used on the overlay thread only, but
 * {@link #isUp}.
 */
final class UpLink {
    private static final Logger LOG = LogManager.getLogger(UpLink.class);

    private enum State { IDLE, HELLO, UP }

    private final MemoryOverlay overlay;
    private final MemoryNetwork network;
    private final Topology topology;
    private final MemoryNetwork.Timeouts timeouts;
    private final OverlayListener listener;
    private State state = State.IDLE;
    private long backoff;
    private long nextHello = System.nanoTime();
    private long lastHeard;
    private long lastSent;
    private volatile boolean up;
    /** The last hello found no parent process (logged once per streak). */
    private boolean waiting;

    UpLink(MemoryOverlay overlay, OverlayListener listener) {
        this.overlay = overlay;
        this.network = overlay.network();
        this.topology = overlay.topology();
        this.timeouts = overlay.timeouts();
        this.listener = listener;
        this.backoff = timeouts.helloMin().toNanos();
    }

    boolean isUp() {
        return up;
    }

    void send(Message m) {
        if (state == State.UP) {
            transmit(new Signal.Data(m));
        }
    }

    /** Tells the parent this broker leaves on purpose. */
    void goodbye() {
        if (state == State.UP) {
            transmit(new Signal.Goodbye());
        }
    }

    /** Timers: say hello (again), heartbeat, notice a silent parent. */
    void tick(long now) {
        if (state == State.IDLE && now - nextHello >= 0) {
            state = State.HELLO;
        }
        if (state == State.HELLO && now - nextHello >= 0) {
            sayHello();
            nextHello = now + backoff;
            backoff = Math.min(backoff * 2, timeouts.helloMax().toNanos());
        }
        if (state == State.UP) {
            if (now - lastSent >= timeouts.keepalive().toNanos()) {
                transmit(new Signal.Heartbeat(null));
            }
            if (now - lastHeard >= timeouts.lost().toNanos()) {
                drop("no heartbeat from the parent for " + timeouts.lost().toMillis() + "ms", now);
            }
        }
    }

    long nextDeadline(long now) {
        if (state == State.UP) {
            return Math.min(lastSent + timeouts.keepalive().toNanos(), lastHeard + timeouts.lost().toNanos());
        }
        return nextHello;
    }

    /** This broker ran again after a stall: the parent's silence is counted from {@code now}. */
    void resumed(long now) {
        lastHeard = Math.max(lastHeard, now);
    }

    /** The parent process went away (its connection closed). */
    void connectionClosed(long now) {
        if (state == State.UP) {
            drop("the connection to the parent closed", now);
        }
    }

    void receive(Signal s, long now) {
        lastHeard = now;
        if (s instanceof Signal.Data d) {
            if (state == State.UP) {
                listener.fromParent(d.message());
            }
        } else if (s instanceof Signal.HelloOk ok) {
            if (state != State.UP) {
                state = State.UP;
                up = true;
                backoff = timeouts.helloMin().toNanos();
                lastSent = now;
                LOG.info("memory overlay: rank {} joined parent rank {}", topology.rank(), topology.parent());
                listener.parentUp(ok.state(), ok.session());
            }
        } else if (s instanceof Signal.HelloRefused r) {
            if (!r.retry()) {
                listener.refused(topology.host(topology.parent()) + " (rank " + topology.parent() + ")",
                        "it refused this broker: " + r.reason());
            }
            LOG.debug("memory overlay: parent rank {} refused hello: {}; retrying", topology.parent(), r.reason());
        } else if (s instanceof Signal.State st) {
            if (state == State.UP) {
                listener.parentState(st.state());
            }
        } else if (s instanceof Signal.Disconnect d) {
            drop("the parent disconnected this broker: " + d.reason(), now);
        } else if (s instanceof Signal.Rejoin) {
            if (state == State.UP) {
                drop("the parent no longer knows this broker (did it restart?)", now);
            }
        } // a heartbeat's only news is that the parent is alive
    }

    private void sayHello() {
        boolean reached = network.toParent(overlay, new Signal.Hello(topology.rank(), topology.host(topology.rank())));
        if (!reached && !waiting) {
            LOG.info("memory overlay: rank {} waiting for parent rank {}", topology.rank(), topology.parent());
        }
        waiting = !reached;
    }

    private void transmit(Signal s) {
        network.toParent(overlay, s);
        lastSent = System.nanoTime();
    }

    private void drop(String why, long now) {
        boolean wasUp = state == State.UP;
        state = State.IDLE;
        up = false;
        network.closedUp(overlay);
        nextHello = now + timeouts.helloMin().toNanos();
        backoff = timeouts.helloMin().toNanos();
        if (wasUp) {
            LOG.warn("memory overlay: rank {} lost parent rank {}: {}", topology.rank(), topology.parent(), why);
            listener.parentDown(why);
        }
    }
}
