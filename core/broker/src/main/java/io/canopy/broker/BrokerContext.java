package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.overlay.Topology;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The one door the broker's built-in services and its shutdown coordinator have into the broker,
 * as a module has its {@code ModuleContext}: routing, the broker's own requests, the state keeper,
 * the configuration, the loaded modules, the overlay view, the current state, and the broker thread
 * with its timers. {@link Broker} implements it with a small inner class; the services never hold
 * the broker itself, so this list is everything they can reach. Call it on the broker thread,
 * except {@link #execute} and {@link #schedule}.
 */
interface BrokerContext {

    /** This broker's configuration. */
    BrokerConfig config();

    /** The tree, and this broker's place in it. */
    default Topology topology() {
        return config().topology();
    }

    /** Requests, responses, events; the service registry and the subscriptions. */
    Router router();

    /** The broker's own requests to other brokers, and the events it reacts to itself. */
    BrokerRpc rpc();

    /** Where module state comes from at start and goes at shutdown. */
    StateKeeper keeper();

    /** The loaded modules: load, unload, list. */
    ModuleHost modules();

    /** What this broker knows of its links to its parent and children. */
    OverlayView view();

    /** The broker's state now. */
    BrokerState state();

    /** Seconds spent in the current state. */
    double secondsInState();

    /** When the broker started. */
    Instant startedAt();

    /** Sends {@code message} to the parent over the parent link (it waits there while the parent is away). */
    void toParent(Message message);

    /** Runs {@code task} on the broker thread. Thread-safe. */
    void execute(Runnable task);

    /** Runs {@code task} on the broker thread after a delay. Thread-safe. */
    void schedule(long delay, TimeUnit unit, Runnable task);
}
