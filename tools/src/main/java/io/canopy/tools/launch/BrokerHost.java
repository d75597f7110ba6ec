package io.canopy.tools.launch;

import io.canopy.broker.Broker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;

/**
 * The brokers one JVM runs (one, or several for {@code canopy broker --ranks}) and the JVM's life
 * around them: SIGTERM and SIGINT shut every one down in order, a broker that exits on its own
 * ({@code broker.shutdown}, {@code broker.kill}, a failed module) leaves the others running, and
 * {@link #awaitAll} returns when the last one has exited. Nothing here ends the JVM.
 */
public final class BrokerHost {
    private static final Logger LOG = LogManager.getLogger(BrokerHost.class);

    /** A broker and what to close once it has exited (its log, its metrics). */
    private record Hosted(Broker broker, AutoCloseable afterExit) {}

    private final Duration stopWait;
    private final List<Hosted> running = new ArrayList<>();
    private long signalledAt;

    /** @param stopWait how long an orderly shutdown after a signal may take */
    public BrokerHost(Duration stopWait) {
        this.stopWait = stopWait;
    }

    /**
     * Hosts a started broker; {@code afterExit} (may be null) is closed once it has exited. A broker
     * added after a signal (the JVM was told to stop while it started its brokers) is shut down too.
     */
    public void add(Broker broker, AutoCloseable afterExit) {
        boolean stopping;
        synchronized (this) {
            running.add(new Hosted(broker, afterExit));
            stopping = signalledAt != 0;
        }
        if (stopping) {
            broker.shutdown("signal");
        }
    }

    /**
     * SIGTERM and SIGINT start an orderly shutdown of every broker here instead of the JVM's own
     * exit (status 143 or 130, which systemd counts as a failure); an exit by another way (SIGHUP)
     * shuts them down too. Call before the first broker starts.
     */
    public void handleSignals() {
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), sig -> {
                LOG.info("SIG{}: shutting down in order", sig.getName());
                shutdownAll("signal");
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shutdownAll("JVM exit");
            for (Hosted h : snapshot()) {
                try {
                    h.broker().awaitExit(stopWait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            LogManager.shutdown();
        }, "shutdown-hook"));
    }

    /** Starts an orderly shutdown of every broker still running here. */
    public void shutdownAll(String reason) {
        synchronized (this) {
            if (signalledAt == 0) {
                signalledAt = System.nanoTime();
            }
        }
        for (Hosted h : snapshot()) {
            h.broker().shutdown(reason);
        }
    }

    /**
     * Waits until every broker here has exited, closing what each leaves behind.
     *
     * @return 0, or 1 when an orderly shutdown after {@link #shutdownAll} took longer than allowed
     */
    public int awaitAll() throws InterruptedException {
        while (true) {
            List<Hosted> left = new ArrayList<>();
            for (Hosted h : snapshot()) {
                if (h.broker().awaitExit(Duration.ZERO)) {
                    forget(h);
                } else {
                    left.add(h);
                }
            }
            if (left.isEmpty()) {
                return 0;
            }
            if (left.get(0).broker().awaitExit(Duration.ofMillis(500))) {
                continue;
            }
            long since;
            synchronized (this) {
                since = signalledAt;
            }
            if (since != 0 && System.nanoTime() - since > stopWait.toNanos()) {
                LOG.error("orderly shutdown of {} broker(s) took longer than {}; exiting anyway", left.size(),
                        io.canopy.module.Durations.format(stopWait));
                return 1;
            }
        }
    }

    private synchronized List<Hosted> snapshot() {
        return List.copyOf(running);
    }

    private void forget(Hosted h) {
        synchronized (this) {
            running.remove(h);
        }
        LOG.info("broker rank {} exited", h.broker().config().rank());
        if (h.afterExit() != null) {
            try {
                h.afterExit().close();
            } catch (Exception e) {
                LOG.warn("closing after rank {} exited: {}", h.broker().config().rank(), e.toString());
            }
        }
    }
}
