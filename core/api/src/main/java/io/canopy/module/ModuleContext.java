package io.canopy.module;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.Logger;

/**
 * The module's only door to its broker: serve topics, call other services, publish and subscribe to
 * events, set timers, read configuration, log, and keep state across restarts. If a module needs
 * something else, this interface grows; modules never reach into broker internals.
 *
 * <p>Every method may be called from the module thread only. Callbacks (handlers, events, timers,
 * RPC futures) run on the module thread too.
 */
public interface ModuleContext {

    /** The module's name, as given by {@link BrokerModule#name()}. */
    String moduleName();

    /** This broker's rank in the instance (0 is the leader). */
    int rank();

    /** The number of brokers in the instance. */
    int size();

    /** The uid that owns the instance (the uid the broker runs as). */
    int ownerUid();

    /** This broker's host name as the instance configuration lists it (e.g. {@code node7}). */
    String hostname();

    /**
     * The URI of this broker's local socket ({@code local:///run/canopy/local}): what a process
     * started by a module (a job's task) puts in {@code CANOPY_URI} to reach this broker.
     */
    String localUri();

    /**
     * Serves {@code topic} (e.g. {@code hello.greet}) for callers with the owner role. The topic's
     * service (the part before the first dot) is registered for this module on first use; another
     * module already holding it makes this throw {@link IllegalStateException}.
     */
    default void serve(String topic, RequestHandler handler) {
        serve(topic, Access.OWNER, handler);
    }

    /** Serves {@code topic} for callers with at least the given access. */
    void serve(String topic, Access access, RequestHandler handler);

    /** Sends a request to the nearest broker offering the service; see {@link #rpc(int, String, Object)}. */
    default CompletableFuture<Response> rpc(String topic, Object payload) {
        return rpc(io.canopy.message.NodeId.ANY, topic, payload);
    }

    /**
     * Sends a request to {@code topic} on broker {@code nodeid} (a rank, or a
     * {@link io.canopy.message.NodeId} constant). {@code payload} is mapped to MessagePack (a
     * {@code byte[]} is sent as is; {@code null} sends an empty body). The future completes on the
     * module thread with the response, or exceptionally with an {@link RpcException}.
     */
    CompletableFuture<Response> rpc(int nodeid, String topic, Object payload);

    /** Publishes an event to every subscriber in the instance. */
    void publish(String topic, Object payload);

    /** Calls {@code handler} for every event whose topic starts with {@code topicPrefix}. */
    void subscribe(String topicPrefix, EventHandler handler);

    /** Stops the subscription made with exactly this prefix. */
    void unsubscribe(String topicPrefix);

    /** Runs {@code task} once on the module thread after {@code delay}. */
    Timer schedule(Duration delay, Runnable task);

    /** Runs {@code task} on the module thread every {@code period}, first after {@code period}. */
    Timer scheduleAtFixedRate(Duration period, Runnable task);

    /** The module's configuration: {@code key=value} arguments given at load time. */
    ModuleConfig config();

    /** A logger named after the module; its lines also reach {@code canopy dmesg}. */
    Logger log();

    /** The module's named area of the broker's checkpoint, for state that outlives a restart. */
    Checkpoint checkpoint();
}
