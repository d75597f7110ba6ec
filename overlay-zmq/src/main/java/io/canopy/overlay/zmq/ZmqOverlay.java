package io.canopy.overlay.zmq;

import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.overlay.Overlay;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The TBON over ZeroMQ: a ROUTER bound for the children ({@link DownLinks}), a DEALER to the
 * parent ({@link UpLink}), and, with a certificate, CURVE on both plus a ZAP handler admitting
 * only the instance's key. One thread owns every socket: either a thread of the overlay's own
 * ({@link #start}) or the broker's loop thread, which runs the overlay between its own tasks
 * ({@link #attach}, {@link #runOnce}) so that a message crossing a broker is not handed from thread
 * to thread. Calls on the owning thread act at once; calls from any other thread are queued and
 * the owner woken through a pipe, so no socket is ever touched by two threads.
 */
public final class ZmqOverlay implements Overlay {
    private static final Logger LOG = LogManager.getLogger(ZmqOverlay.class);
    /** The longest the owner waits without reading every socket (see {@link #serviceOnce}). */
    private static final long MAX_WAIT_MS = 100;

    private final OverlaySettings settings;
    private final Frames frames;
    private final ZContext ctx = new ZContext(1);
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ByteBuffer drain = ByteBuffer.allocate(64);
    private Pipe wake;
    private volatile Thread owner;
    private volatile boolean running;
    private volatile boolean pollerDirty = true;
    private boolean driven;
    private boolean closed;
    private ZMQ.Poller poller;
    private UpLink up;
    private DownLinks down;
    private ZapHandler zap;

    public ZmqOverlay(OverlaySettings settings, int maxFrameSize) {
        this.settings = settings;
        this.frames = new Frames(new MessageCodec(maxFrameSize));
    }

    @Override
    public void start(OverlayListener listener) throws IOException {
        open(listener);
        Thread io = new Thread(this::loop, "overlay-io");
        io.setDaemon(true);
        owner = io;
        io.start();
    }

    @Override
    public boolean attach(OverlayListener listener) throws IOException {
        open(listener);
        driven = true;
        return true;
    }

    @Override
    public void runOnce(long maxWaitMillis) {
        if (owner == null) {
            owner = Thread.currentThread();
        }
        if (!running) {
            return;
        }
        try {
            pollAndService(maxWaitMillis);
        } catch (RuntimeException e) {
            LOG.error("overlay: unexpected failure, carrying on: {}", e.toString(), e);
        }
    }

    @Override
    public void wakeup() {
        if (wakePending.compareAndSet(false, true)) {
            try {
                wake.sink().write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                LOG.debug("overlay wake-up failed: {}", e.toString());
            }
        }
    }

    private void open(OverlayListener listener) throws IOException {
        ctx.setLinger(5);
        if (settings.cert() != null && !settings.topology().children().isEmpty()) {
            zap = new ZapHandler(ctx, settings.cert().publicKeyBytes());
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
    }

    @Override
    public boolean sendToParent(Message message) {
        if (up == null || !up.isUp()) {
            return false;
        }
        if (onOwner()) {
            return up.send(message);
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
        if (onOwner()) {
            return down.send(rank, message);
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

    /**
     * Closes every socket after what was queued (a goodbye, say) has been sent. From another
     * thread, waits for an overlay thread of its own to end; the broker's loop thread closes a
     * driven overlay at once.
     */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        if (driven) {
            submit(() -> {
                running = false;
                shutdown();
            });
            return;
        }
        submit(() -> running = false);
        Thread io = owner;
        if (io != null && io != Thread.currentThread()) {
            try {
                io.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean onOwner() {
        return Thread.currentThread() == owner;
    }

    /** Runs {@code command} now on the owning thread, else queues it for the owner and wakes it. */
    private void submit(Runnable command) {
        if (onOwner()) {
            runQueued();
            command.run();
            return;
        }
        commands.add(command);
        wakeup();
    }

    private void loop() {
        try {
            while (running) {
                try {
                    pollAndService(MAX_WAIT_MS);
                } catch (RuntimeException e) {
                    LOG.error("overlay: unexpected failure, carrying on: {}", e.toString(), e);
                }
            }
        } catch (Error e) {
            LOG.error("overlay thread failed: {}", e.toString(), e);
            throw e;
        } finally {
            running = false;
            shutdown();
        }
    }

    /** Waits up to {@code maxWaitMillis} (less when a timer is due) for anything to do, then does it. */
    private void pollAndService(long maxWaitMillis) {
        if (pollerDirty || poller == null) {
            if (poller != null) {
                poller.close();
            }
            poller = ctx.createPoller(6);
            poller.register(wake.source(), ZMQ.Poller.POLLIN);
            // Registered only to wake the loop; serviceOnce reads every socket each time.
            if (down != null) {
                poller.register(down.socket(), ZMQ.Poller.POLLIN);
                poller.register(down.monitor(), ZMQ.Poller.POLLIN);
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
        long deadline = now + Math.min(maxWaitMillis, MAX_WAIT_MS) * 1_000_000L;
        if (up != null) {
            deadline = Math.min(deadline, up.nextDeadline(now));
        }
        if (down != null) {
            deadline = Math.min(deadline, down.nextDeadline(now));
        }
        long waitMs = commands.isEmpty() ? Math.max(0, (deadline - now) / 1_000_000L) : 0;
        poller.poll(waitMs);
        serviceOnce();
    }

    /** Runs what other threads queued for the owner, in order. */
    private void runQueued() {
        Runnable c;
        while (running && (c = commands.poll()) != null) {
            c.run();
        }
    }

    private void serviceOnce() {
        try {
            drain.clear();
            wakePending.set(false);
            while (wake.source().read(drain) > 0) {
                drain.clear();
            }
        } catch (IOException e) {
            LOG.debug("overlay wake-up pipe: {}", e.toString());
        }
        runQueued();
        if (!running) {
            return;
        }
        // Every socket is read whenever the loop wakes, not only those the poller flagged: a
        // ZeroMQ socket's wake-up is edge-triggered, and one consumed by another call (a send
        // on the same socket, say) left a ZAP request unanswered until the client's 30 s
        // handshake timeout, so a child rejoined half a minute late. Reads never block.
        if (zap != null) {
            zap.handle();
        }
        if (down != null) {
            down.receive();
            down.monitorEvents();
        }
        if (up != null) {
            up.receive();
            up.monitorEvents();
        }
        long now = System.nanoTime();
        if (up != null) {
            up.tick(now);
        }
        if (down != null) {
            down.tick(now);
        }
    }

    /** Closes every socket and the context; once. */
    private void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
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
    }
}
