package io.canopy.overlay.zmq;

import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.module.Durations;
import io.canopy.overlay.Overlay;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The TBON over ZeroMQ: a ROUTER bound for the children ({@link DownLinks}), a DEALER to the
 * parent ({@link UpLink}), and, with a certificate, CURVE on both plus a ZAP handler admitting
 * only the instance's key. One thread owns every socket; the broker hands it work through a queue
 * and a wake-up pipe, so no socket is ever touched by two threads. Messages queued for the same
 * peer while the thread was busy leave together, in one batch frame where the peer reads them
 * (one CURVE seal and one ZeroMQ frame for many messages: see docs/wire-protocol.md).
 */
public final class ZmqOverlay implements Overlay {
    private static final Logger LOG = LogManager.getLogger(ZmqOverlay.class);
    /** Most queued items taken per wake-up, so that a flood of sends never starves the sockets' reads. */
    private static final int MAX_DRAIN = 4096;
    /**
     * Longest wait in the poller: the thread runs at least this often unless the process is stopped.
     * Heartbeats and silence have deadlines of their own; this bounds only how late a wake-up the
     * poller missed (ZeroMQ's are edge-triggered) is made up for. It was 100 ms: ten wake-ups a
     * second of every idle broker, most of an idle 1,024-broker instance's CPU.
     */
    private static final long MAX_WAIT_NANOS = 1_000_000_000L;

    /** Something the overlay thread is asked to do, in the order asked. */
    private sealed interface Work permits ToParent, ToChild, Task {}

    private record ToParent(Message message) implements Work {}

    private record ToChild(int rank, Message message) implements Work {}

    private record Task(Runnable run) implements Work {}

    /** Children one JeroMQ I/O thread is given ({@link #ioThreads}). */
    static final int CHILDREN_PER_IO_THREAD = 128;

    private final OverlaySettings settings;
    private final Frames frames;
    private final ZContext ctx;
    private final Queue<Work> work = new ConcurrentLinkedQueue<>();
    private final List<Message> toParent = new ArrayList<>();
    private final Map<Integer, List<Message>> toChildren = new LinkedHashMap<>();
    private boolean workLeft;
    /** The thread in a burst ({@link #beginBurst}): its sends do not wake the overlay thread until it ends. */
    private volatile Thread burstThread;
    /** Written and read by the burst thread only: it woke the overlay thread for its first send. */
    private boolean burstWoke;
    /** Written and read by the burst thread only: it queued work after that without waking it again. */
    private boolean wakeHeld;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private Pipe wake;
    private Thread io;
    private OverlayListener listener;
    private volatile boolean running;
    private volatile boolean pollerDirty = true;
    private UpLink up;
    private DownLinks down;
    private ZapHandler zap;
    /** Overlay thread only: when the last round ended, and how long the poller was then asked to wait. */
    private long lastTick;
    private long plannedWait;
    private final RateLimitedLog rare = new RateLimitedLog(LOG, 30_000_000_000L);

    public ZmqOverlay(OverlaySettings settings, int maxFrameSize) {
        this.settings = settings;
        this.frames = new Frames(new MessageCodec(maxFrameSize));
        this.ctx = new ZContext(ioThreads(settings.topology().children().size(), Runtime.getRuntime().availableProcessors()));
    }

    /**
     * JeroMQ I/O threads for a broker with {@code children}: they do the CURVE handshakes and seal
     * and open every message, and each accepted connection stays on one of them. One serves a
     * hundred children; a parent of a thousand (a flat tree's leader) gets one for every 128
     * children, up to 4 and no more than the cores, so that a boot or reconnect storm of
     * handshakes is not queued on one thread.
     */
    static int ioThreads(int children, int cores) {
        return Math.max(1, Math.min(Math.min(4, cores), children / CHILDREN_PER_IO_THREAD));
    }

    @Override
    public void start(OverlayListener listener) throws IOException {
        this.listener = listener;
        ctx.setLinger(5);
        if (settings.cert() != null && !settings.topology().children().isEmpty()) {
            zap = new ZapHandler(ctx, settings.cert().publicKeyBytes(), listener);
        }
        if (!settings.topology().children().isEmpty()) {
            down = new DownLinks(ctx, settings, frames, listener);
        }
        if (settings.topology().parent() >= 0) {
            up = new UpLink(ctx, settings, frames, listener, () -> pollerDirty = true);
        }
        wake = Pipe.open();
        wake.source().configureBlocking(false);
        wake.sink().configureBlocking(false);
        running = true;
        io = new Thread(this::loop, "overlay-io");
        io.setDaemon(true);
        io.start();
    }

    @Override
    public boolean sendToParent(Message message) {
        if (up == null || !up.isUp()) {
            return false;
        }
        submit(new ToParent(message));
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
        submit(new ToChild(rank, message));
        return true;
    }

    @Override
    public java.util.Optional<java.time.Duration> silence(int child) {
        if (down == null) {
            return java.util.Optional.empty();
        }
        java.util.OptionalLong nanos = down.silence(child);
        return nanos.isPresent() ? java.util.Optional.of(java.time.Duration.ofNanos(nanos.getAsLong())) : java.util.Optional.empty();
    }

    @Override
    public void announceState(String state) {
        if (down != null) {
            submit(new Task(() -> down.announce(state)));
        }
    }

    @Override
    public void disconnectChild(int rank, String reason) {
        if (down != null) {
            submit(new Task(() -> down.disconnect(rank, reason)));
        }
    }

    /** The handshake interval this broker's next connection to its parent gets (tests). */
    int nextHandshakeIvlMs() {
        return up == null ? Frames.HANDSHAKE_IVL_MS : up.handshakeIvl();
    }

    @Override
    public void goodbye() {
        if (up != null) {
            submit(new Task(up::goodbye));
        }
    }

    @Override
    public void beginBurst() {
        burstThread = Thread.currentThread();
    }

    @Override
    public void endBurst() {
        if (burstThread != Thread.currentThread()) {
            return;
        }
        burstThread = null;
        burstWoke = false;
        if (wakeHeld) {
            wakeHeld = false;
            wake();
        }
    }

    /** Stops the thread after it has sent what was queued (a goodbye, say), and closes every socket. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        work.add(new Task(() -> running = false));
        wake(); // even inside a burst: this thread now waits for the overlay thread to end
        try {
            io.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void submit(Work w) {
        work.add(w);
        if (burstThread == Thread.currentThread()) {
            // The first send of a burst wakes the overlay thread at once (waking takes a while, and
            // a lone message must not wait for the rest of the burst); later ones go with the
            // wake-up at the end of the burst, or sooner if the overlay thread wakes anyway.
            if (burstWoke) {
                wakeHeld = true;
                return;
            }
            burstWoke = true;
        }
        wake();
    }

    private void wake() {
        if (!running) {
            return;
        }
        if (wakePending.compareAndSet(false, true)) {
            try {
                wake.sink().write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                LOG.debug("overlay wake-up failed: {}", e.toString());
            }
        }
    }

    private void loop() {
        ZMQ.Poller poller = null;
        ByteBuffer drain = ByteBuffer.allocate(64);
        try {
            while (running) {
                if (pollerDirty || poller == null) {
                    if (poller != null) {
                        poller.close();
                    }
                    poller = ctx.createPoller(6);
                    poller.register(wake.source(), ZMQ.Poller.POLLIN);
                    // Registered only to wake the loop; serviceOnce reads every socket each time.
                    if (down != null) {
                        poller.register(down.socket(), ZMQ.Poller.POLLIN);
                    }
                    if (up != null && up.socket() != null) {
                        poller.register(up.socket(), ZMQ.Poller.POLLIN);
                        poller.register(up.monitor(), ZMQ.Poller.POLLIN);
                    }
                    if (zap != null) {
                        poller.register(zap.socket(), ZMQ.Poller.POLLIN);
                    }
                    pollerDirty = false;
                }
                long now = System.nanoTime();
                long deadline = now + MAX_WAIT_NANOS;
                if (up != null) {
                    deadline = Math.min(deadline, up.nextDeadline(now));
                }
                if (down != null) {
                    deadline = Math.min(deadline, down.nextDeadline(now));
                }
                long waitMs = workLeft ? 0 : Math.max(0, (deadline - now) / 1_000_000L);
                plannedWait = waitMs * 1_000_000L;
                poller.poll(waitMs);
                try {
                    serviceOnce(drain);
                } catch (RuntimeException e) {
                    LOG.error("overlay: unexpected failure, carrying on: {}", e.toString(), e);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("overlay thread failed: {}", e.toString(), e);
        } finally {
            if (poller != null) {
                poller.close();
            }
            if (up != null) {
                up.close();
            }
            if (down != null) {
                down.close();
            }
            ctx.close();
            running = false;
        }
    }

    private void serviceOnce(ByteBuffer drain) {
        long start = System.nanoTime();
        if (lastTick != 0) {
            noticeStall(start - lastTick - plannedWait, start); // before any send: a send may find a child gone
        }
        try {
            drain.clear();
            wakePending.set(false);
            while (wake.source().read(drain) > 0) {
                drain.clear();
            }
            drainWork();
            // Every socket is read whenever the loop wakes, not only those the poller flagged: a
            // ZeroMQ socket's wake-up is edge-triggered, and one consumed by another call (a send
            // on the same socket, say) left a ZAP request unanswered until the client's 30 s
            // handshake timeout, so a child rejoined half a minute late. Reads never block.
            if (down != null) {
                down.receive();
            }
            if (up != null) {
                up.receive();
            }
            listener.endOfRound(); // the messages leave for the broker before the housekeeping below
            if (zap != null) {
                zap.handle();
            }
            if (down != null) {
                down.monitorEvents();
            }
            if (up != null) {
                up.monitorEvents();
            }
        } catch (IOException e) {
            LOG.debug("overlay wake-up pipe: {}", e.toString());
        }
        long now = System.nanoTime();
        noticeStall(now - start, now); // stopped while it worked
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
     * Silence is measured on this thread's clock, which jumps when the thread itself did not run:
     * a broker stopped (SIGSTOP) or starved of CPU for longer than {@code lost_timeout} would find
     * every neighbour "silent" the moment it resumes, before it has read what they sent meanwhile,
     * and condemn healthy children. So when the thread ran much later than it planned to, the
     * neighbours are given a fresh {@code lost_timeout} to be heard from, counted from now.
     */
    private void noticeStall(long late, long now) {
        if (late <= Math.min(settings.torpid().toNanos() / 2, 1_000_000_000L)) {
            return;
        }
        rare.log(Level.WARN, "stall", String.format("overlay: this broker did not run for %.1fs (it was stopped, "
                + "or starved of CPU); its neighbours get a fresh lost_timeout (%s) to be heard from before any is "
                + "declared lost", late / 1e9, Durations.format(settings.lost())));
        if (up != null) {
            up.resumed(now);
        }
        if (down != null) {
            down.resumed(now);
        }
    }

    /**
     * Carries out what was queued, in order: messages are gathered per peer and sent together
     * ({@link UpLink#sendAll}, {@link DownLinks#sendAll}) before any other task runs, so that a
     * goodbye, say, still follows the messages queued before it.
     */
    private void drainWork() {
        Work w;
        int taken = 0;
        while (taken < MAX_DRAIN && (w = work.poll()) != null) {
            taken++;
            if (w instanceof ToParent p) {
                toParent.add(p.message());
            } else if (w instanceof ToChild c) {
                toChildren.computeIfAbsent(c.rank(), r -> new ArrayList<>()).add(c.message());
            } else {
                sendGathered();
                ((Task) w).run().run();
            }
        }
        sendGathered();
        workLeft = !work.isEmpty();
    }

    private void sendGathered() {
        if (!toParent.isEmpty()) {
            up.sendAll(toParent);
            toParent.clear();
        }
        if (!toChildren.isEmpty()) {
            for (Map.Entry<Integer, List<Message>> e : toChildren.entrySet()) {
                down.sendAll(e.getKey(), e.getValue());
            }
            toChildren.clear();
        }
    }
}
