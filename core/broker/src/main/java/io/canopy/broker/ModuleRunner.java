package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.BrokerModule;
import io.canopy.module.Checkpoint;
import io.canopy.module.EventHandler;
import io.canopy.module.ModuleConfig;
import io.canopy.module.RequestHandler;
import io.canopy.module.Response;
import io.canopy.module.RpcException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one loaded module on its own thread, which is also its inbox: messages the broker delivers,
 * timers and RPC completions all queue on it and run one at a time, so module code needs no locks.
 *
 * <p>Guarantees to the module:
 * <ul>
 *   <li>{@code start}, {@code stop}, handlers, event callbacks, timers and RPC callbacks never run
 *       concurrently and always run on the module thread;
 *   <li>messages from one sender are handled in the order they were sent;
 *   <li>after {@code stop} returns no handler, timer or callback runs again; requests still queued
 *       are answered with ENOSYS and pending RPCs fail with ECANCELED.
 * </ul>
 */
final class ModuleRunner implements Endpoint {
    /** RFC 5 style module states, shown by {@code canopy module list}. */
    enum State { INIT, RUNNING, FINALIZING, EXITED }

    private final BrokerModule module;
    private final String name;
    private final String source;
    private final String id;
    private final BrokerLink broker;
    private final ScheduledThreadPoolExecutor thread;
    private final Logger log;
    private volatile ModuleConfig config;
    private final Checkpoint checkpoint;
    private final Instant loadedAt = Instant.now();
    private final AtomicLong handled = new AtomicLong();
    private volatile State state = State.INIT;

    // Module-thread state.
    private final Map<String, RequestHandler> handlers = new HashMap<>();
    private final Map<String, EventHandler> eventHandlers = new LinkedHashMap<>();
    private final Map<Long, CompletableFuture<Response>> pending = new HashMap<>();
    private long nextMatchtag = 1;

    ModuleRunner(BrokerModule module, String source, ModuleConfig config, Checkpoint checkpoint,
            BrokerLink broker) {
        this.module = module;
        this.name = module.name();
        this.source = source;
        this.id = "m:" + name;
        this.broker = broker;
        this.config = config;
        this.checkpoint = checkpoint;
        this.log = LogManager.getLogger("canopy.module." + name);
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "module-" + name);
            t.setDaemon(true);
            return t;
        });
        this.thread.setRemoveOnCancelPolicy(true);
        this.thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public String id() {
        return id;
    }

    String name() {
        return name;
    }

    String source() {
        return source;
    }

    State state() {
        return state;
    }

    Instant loadedAt() {
        return loadedAt;
    }

    long handled() {
        return handled.get();
    }

    int queued() {
        return thread.getQueue().size();
    }

    Logger log() {
        return log;
    }

    /** Starts the module on its thread; {@code done} gets {@code null} or the failure, on that thread. */
    void start(Consumer<Throwable> done) {
        runOnThread(() -> {
            try {
                // Every module answers NAME.ping and NAME.stats-get, as flux modules do.
                broker.serve(this, name + ".ping", io.canopy.module.Access.USER);
                broker.serve(this, name + ".stats-get", io.canopy.module.Access.USER);
                addHandler(name + ".ping", r -> r.respond(r.payloadBytes()));
                addHandler(name + ".stats-get", r -> r.respond(java.util.Map.of(
                        "handled", handled.get(), "queued", queued(), "state", state.name())));
                module.start(new RunnerContext(this, broker, checkpoint));
                state = State.RUNNING;
                done.accept(null);
            } catch (Throwable t) {
                state = State.EXITED;
                done.accept(t);
                thread.shutdown();
            }
        });
    }

    /** The module's configuration now: what it was loaded with, or what a reload gave it since. */
    ModuleConfig config() {
        return config;
    }

    /** What became of a new configuration: applied, kept out by the module (it cannot change), or refused. */
    enum Reconfigured { APPLIED, UNSUPPORTED, REFUSED }

    /**
     * Offers the module {@code newConfig} on its thread; {@code done} gets the outcome and, when
     * refused, the error (on the module thread).
     */
    void reconfigure(ModuleConfig newConfig, java.util.function.BiConsumer<Reconfigured, String> done) {
        runOnThread(() -> {
            if (state != State.RUNNING) {
                done.accept(Reconfigured.REFUSED, "module " + name + " is " + state.name().toLowerCase());
                return;
            }
            try {
                if (module.reconfigure(newConfig)) {
                    config = newConfig;
                    done.accept(Reconfigured.APPLIED, null);
                } else {
                    done.accept(Reconfigured.UNSUPPORTED, null);
                }
            } catch (Throwable t) {
                log.error("module {} refused its new configuration: {}", name, t.toString());
                done.accept(Reconfigured.REFUSED, t.getMessage() == null ? t.toString() : t.getMessage());
            }
        });
    }

    /** Stops the module on its thread and saves its checkpoint; {@code done} gets any failure. */
    void stop(Consumer<Throwable> done) {
        runOnThread(() -> {
            Throwable failure = null;
            if (state == State.RUNNING || state == State.INIT) {
                state = State.FINALIZING;
                try {
                    module.stop();
                    checkpoint.commit();
                } catch (Throwable t) {
                    failure = t;
                }
            }
            finish();
            done.accept(failure);
        });
    }

    /** Shuts the thread down after a failure, without calling the module again. */
    void abandon() {
        runOnThread(this::finish);
    }

    @Override
    public void deliver(Message message) {
        try {
            thread.execute(() -> onMessage(message));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (message.type() == io.canopy.message.MessageType.REQUEST) {
                broker.post(this, message.errorResponse(Errno.ENOSYS, "module " + name + " has exited"));
            }
        }
    }

    // ---- called on the module thread ----

    void addHandler(String topic, RequestHandler handler) {
        handlers.put(topic, handler);
    }

    void addEventHandler(String prefix, EventHandler handler) {
        eventHandlers.put(prefix, handler);
    }

    boolean removeEventHandler(String prefix) {
        return eventHandlers.remove(prefix) != null;
    }

    CompletableFuture<Response> sendRpc(Message request) {
        CompletableFuture<Response> future = new CompletableFuture<>();
        if (state == State.EXITED) {
            future.completeExceptionally(new RpcException(Errno.ECANCELED, "module " + name + " has stopped"));
            return future;
        }
        long tag = nextMatchtag++;
        pending.put(tag, future);
        broker.post(this, request.withMatchtag(tag).withCredentials(broker.ownerUid(), Role.OWNER));
        return future;
    }

    void send(Message message) {
        broker.post(this, message.withCredentials(broker.ownerUid(), Role.OWNER));
    }

    /** Runs {@code task} on the module thread later, catching failures like a handler's. */
    java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long delayNanos, long periodNanos) {
        Runnable guarded = () -> guard("timer", task::run);
        return periodNanos > 0
                ? thread.scheduleAtFixedRate(guarded, delayNanos, periodNanos, TimeUnit.NANOSECONDS)
                : thread.schedule(guarded, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onMessage(Message m) {
        switch (m.type()) {
            case REQUEST -> onRequest(m);
            case RESPONSE -> onResponse(m);
            case EVENT -> onEvent(m);
            case CONTROL -> log.debug("ignoring control message {}", m.topic());
        }
    }

    private void onRequest(Message m) {
        handled.incrementAndGet();
        RequestHandler h = state == State.RUNNING ? handlers.get(m.topic()) : null;
        if (h == null) {
            send(m.errorResponse(Errno.ENOSYS, state == State.RUNNING
                    ? "unknown method " + m.topic() + " in module " + name
                    : "module " + name + " is " + state.name().toLowerCase()));
            return;
        }
        RequestView view = new RequestView(m, this);
        try {
            h.handle(view);
        } catch (RpcException e) {
            view.respondError(e.errnum(), e.getMessage());
        } catch (Throwable t) {
            view.respondError(Errno.EIO, "module " + name + " failed handling " + m.topic() + ": " + t);
            fail(t);
        }
    }

    private void onResponse(Message m) {
        CompletableFuture<Response> f = pending.remove(m.matchtag());
        if (f == null) {
            log.debug("late response {} matchtag {} ignored", m.topic(), m.matchtag());
            return;
        }
        if (m.isError()) {
            f.completeExceptionally(new RpcException(m.errnum(), m.errstr() == null ? Errno.name(m.errnum()) : m.errstr()));
        } else {
            f.complete(new Response(m.topic(), m.payload()));
        }
    }

    private void onEvent(Message m) {
        if (state != State.RUNNING) {
            return;
        }
        io.canopy.module.Event event = new io.canopy.module.Event(m.topic(), m.seq(), m.payload());
        for (Map.Entry<String, EventHandler> e : Map.copyOf(eventHandlers).entrySet()) {
            if (m.topic().startsWith(e.getKey())) {
                guard("event " + m.topic(), () -> e.getValue().handle(event));
            }
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private void guard(String what, Body body) {
        if (state != State.RUNNING) {
            return;
        }
        try {
            body.run();
        } catch (Throwable t) {
            log.error("module {} failed in {}: {}", name, what, t.toString(), t);
            fail(t);
        }
    }

    private void fail(Throwable t) {
        if (state == State.RUNNING) {
            state = State.FINALIZING;
            broker.failed(this, t);
        }
    }

    private void finish() {
        state = State.EXITED;
        for (CompletableFuture<Response> f : pending.values()) {
            f.completeExceptionally(new RpcException(Errno.ECANCELED, "module " + name + " stopped"));
        }
        pending.clear();
        handlers.clear();
        eventHandlers.clear();
        // Requests still queued behind us get ENOSYS from onRequest before the thread ends.
        thread.shutdown();
    }

    private void runOnThread(Runnable r) {
        try {
            thread.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("module {} has exited; dropped work", name);
        }
    }
}
