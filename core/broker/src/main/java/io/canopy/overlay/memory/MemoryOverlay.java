package io.canopy.overlay.memory;

import io.canopy.message.Message;
import io.canopy.overlay.Overlay;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The tree overlay inside one JVM, for tests and benchmarks: the same contract as the ZeroMQ
 * overlay (hello and hello-ok, refusal while the parent is not past init, heartbeats, torpid and
 * lost on the same timeouts, state announcements, goodbye, administrative disconnect, the stall
 * guard) without sockets, codecs or CURVE. Neighbours are reached through a {@link MemoryNetwork}.
 *
 * <p>As the real overlay, it has one thread of its own: the broker's sends and what the neighbours
 * say are queued for it and carried out in order, and every listener call comes from it, each
 * wake-up ending with {@link OverlayListener#endOfRound}. Bursts ({@link #beginBurst}) change
 * nothing here: there is no wake-up to save.
 */
public final class MemoryOverlay implements Overlay {
    private static final Logger LOG = LogManager.getLogger(MemoryOverlay.class);
    /** Most queued items taken per wake-up, as the real overlay. */
    private static final int MAX_DRAIN = 4096;
    /** Longest wait for work: the thread runs at least this often unless it is frozen. */
    private static final long MAX_WAIT_NANOS = 100_000_000L;

    private final MemoryNetwork network;
    private final Topology topology;
    private final MemoryNetwork.Timeouts timeouts;
    /** This overlay's process identity: a broker started again is another one. */
    private final String identity = UUID.randomUUID().toString();
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Object gate = new Object();
    private boolean frozen;
    private volatile boolean running;
    private volatile boolean killed;
    private Thread thread;
    private OverlayListener listener;
    private UpLink up;
    private DownLinks down;
    /** Overlay thread only: when the last round ended, and how long it then planned to wait. */
    private long lastTick;
    private long plannedWait;

    MemoryOverlay(MemoryNetwork network, Topology topology) {
        this.network = network;
        this.topology = topology;
        this.timeouts = network.timeouts();
    }

    @Override
    public void start(OverlayListener l) {
        this.listener = l;
        if (topology.parent() >= 0) {
            up = new UpLink(this, l);
        }
        if (!topology.children().isEmpty()) {
            down = new DownLinks(this, l);
        }
        network.started(this);
        running = true;
        thread = new Thread(this::loop, "overlay-mem-r" + topology.rank());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean sendToParent(Message message) {
        if (up == null || !up.isUp()) {
            return false;
        }
        submit(() -> up.send(message));
        return true;
    }

    @Override
    public boolean sendToChild(int rank, Message message) {
        if (down == null) {
            return false;
        }
        PeerStatus s = down.status(rank);
        if (s != PeerStatus.ONLINE && s != PeerStatus.TORPID) {
            return false;
        }
        submit(() -> down.send(rank, message));
        return true;
    }

    @Override
    public void announceState(String state) {
        if (down != null) {
            submit(() -> down.announce(state));
        }
    }

    @Override
    public void disconnectChild(int rank, String reason) {
        if (down != null) {
            submit(() -> down.disconnect(rank, reason));
        }
    }

    @Override
    public void goodbye() {
        if (up != null) {
            submit(up::goodbye);
        }
    }

    @Override
    public Optional<Duration> silence(int child) {
        if (down == null) {
            return Optional.empty();
        }
        OptionalLong nanos = down.silence(child);
        return nanos.isPresent() ? Optional.of(Duration.ofNanos(nanos.getAsLong())) : Optional.empty();
    }

    /** Stops the thread after it has carried out what was queued (a goodbye, say); the connections close. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        submit(() -> running = false);
        join();
        network.gone(this);
    }

    // ---- for the network (any thread) ----

    int rank() {
        return topology.rank();
    }

    MemoryNetwork network() {
        return network;
    }

    Topology topology() {
        return topology;
    }

    MemoryNetwork.Timeouts timeouts() {
        return timeouts;
    }

    int parentRank() {
        return topology.parent();
    }

    String identity() {
        return identity;
    }

    /** Queues what a neighbour said (or the news that the parent's connection closed) for this thread. */
    void arrive(Runnable r) {
        if (!killed) {
            queue.add(r);
        }
    }

    void fromChild(int rank, String childIdentity, Signal s) {
        if (down != null) {
            down.receive(rank, childIdentity, s, System.nanoTime());
        }
    }

    void fromParent(Signal s) {
        if (up != null) {
            up.receive(s, System.nanoTime());
        }
    }

    void parentClosed() {
        if (up != null) {
            up.connectionClosed(System.nanoTime());
        }
    }

    boolean frozen() {
        synchronized (gate) {
            return frozen;
        }
    }

    void freeze() {
        synchronized (gate) {
            LOG.info("memory overlay of rank {}: frozen", rank());
            frozen = true;
        }
    }

    void thaw() {
        synchronized (gate) {
            if (frozen) {
                LOG.info("memory overlay of rank {}: thawed", rank());
            }
            frozen = false;
            gate.notifyAll();
        }
    }

    /** Vanishes at once: off the network first (nothing more leaves), then the thread stops unheard. */
    void kill() {
        LOG.info("memory overlay of rank {}: killed", rank());
        killed = true;
        running = false;
        network.gone(this);
        queue.clear();
        thread.interrupt();
        join();
    }

    private void submit(Runnable r) {
        if (running) {
            queue.add(r);
        }
    }

    private void join() {
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            while (running) {
                long now = System.nanoTime();
                long deadline = now + MAX_WAIT_NANOS;
                if (up != null) {
                    deadline = Math.min(deadline, up.nextDeadline(now));
                }
                if (down != null) {
                    deadline = Math.min(deadline, down.nextDeadline(now));
                }
                plannedWait = Math.max(0, deadline - now);
                Runnable first = queue.poll(plannedWait, TimeUnit.NANOSECONDS);
                awaitThaw();
                if (!running) {
                    break;
                }
                serviceOnce(first);
            }
        } catch (InterruptedException e) {
            if (!killed) {
                LOG.warn("memory overlay of rank {} interrupted; it stops", rank());
            }
        } catch (RuntimeException e) {
            LOG.error("memory overlay thread failed: {}", e.toString(), e);
        }
    }

    private void awaitThaw() throws InterruptedException {
        synchronized (gate) {
            while (frozen && running) {
                gate.wait();
            }
        }
    }

    /** One wake-up: what was queued (sends and arrivals, in order), then the timers, as the real overlay. */
    private void serviceOnce(Runnable first) {
        long start = System.nanoTime();
        if (lastTick != 0) {
            noticeStall(start - lastTick - plannedWait, start);
        }
        Runnable r = first;
        for (int taken = 0; r != null && running; r = ++taken < MAX_DRAIN ? queue.poll() : null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("memory overlay of rank {}: unexpected failure, carrying on: {}", rank(), e.toString(), e);
            }
        }
        listener.endOfRound();
        long now = System.nanoTime();
        noticeStall(now - start, now);
        lastTick = now;
        if (up != null) {
            up.tick(now);
        }
        if (down != null) {
            down.tick(now);
        }
        listener.endOfRound();
    }

    /**
     * As the real overlay's stall guard: when this thread ran much later than it planned (it was
     * frozen, or starved of CPU), every neighbour gets a fresh lost timeout to be heard from.
     */
    private void noticeStall(long late, long now) {
        if (late <= Math.min(timeouts.torpid().toNanos() / 2, 1_000_000_000L)) {
            return;
        }
        LOG.warn("memory overlay of rank {}: did not run for {} ms; its neighbours get a fresh lost timeout",
                rank(), late / 1_000_000L);
        if (up != null) {
            up.resumed(now);
        }
        if (down != null) {
            down.resumed(now);
        }
    }
}
