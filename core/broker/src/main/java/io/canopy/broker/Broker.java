package io.canopy.broker;

import io.canopy.local.LocalConnector;
import io.canopy.message.Message;
import io.canopy.module.Access;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One broker: the event loop that owns routing, the state machine and the loaded modules, with the
 * local connector in front of it. Everything that changes broker state runs on the loop thread;
 * other threads hand work to it with {@link #execute}.
 *
 * <p>Life: {@link #start()} opens the local socket at once (it answers status from the first
 * moment) and walks join, init (built-in modules start), quorum and run. {@link #shutdown} walks
 * cleanup, shutdown, finalize (modules stop and checkpoint) and exit.
 */
public final class Broker implements LocalConnector.Sink {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final BrokerConfig config;
    private final LogRing logRing;
    private final CheckpointStore checkpoints;
    private final StateMachine states = new StateMachine();
    private final Router router;
    private final ModuleHost modules;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final CountDownLatch exited = new CountDownLatch(1);
    private final Instant startedAt = Instant.now();
    private final Link link = new Link();
    private final Thread loop;
    private LocalConnector connector;
    private volatile boolean running = true;
    private boolean shutdownRequested;

    public Broker(BrokerConfig config, LogRing logRing, CheckpointStore checkpoints) {
        this.config = config;
        this.logRing = logRing;
        this.checkpoints = checkpoints;
        this.router = new Router(config.rank(), config.size(), states::state);
        this.modules = new ModuleHost(checkpoints);
        this.loop = new Thread(this::runLoop, "broker");
        new BrokerServices(this).register(router.registry());
        new ModuleServices(this).register(router.registry());
    }

    public BrokerConfig config() {
        return config;
    }

    public BrokerState state() {
        return states.state();
    }

    /**
     * Opens the local socket and starts the walk to {@code run}.
     *
     * @throws IOException when the socket cannot be created (the message names the path)
     */
    public void start() throws IOException {
        connector = new LocalConnector(config.localSocket(), config.ownerUid(), config.maxFrameSize(), this);
        connector.start();
        loop.start();
        execute(this::join);
    }

    /** Runs {@code task} on the broker thread. */
    public void execute(Runnable task) {
        inbox.add(task);
    }

    /** Routes a message an endpoint sent (credentials already set by that endpoint). Thread-safe. */
    @Override
    public void receive(Endpoint from, Message message) {
        execute(() -> router.fromEndpoint(from, message));
    }

    /** Makes an endpoint reachable for responses and events. Thread-safe. */
    @Override
    public void attach(Endpoint endpoint) {
        execute(() -> router.attach(endpoint));
    }

    /** Forgets an endpoint that went away (a client that disconnected). Thread-safe. */
    @Override
    public void detach(Endpoint endpoint) {
        execute(() -> router.detach(endpoint.id()));
    }

    /** Starts an orderly shutdown, from any state. Thread-safe and idempotent. */
    public void shutdown(String reason) {
        execute(() -> beginShutdown(reason));
    }

    /** Waits for the broker to reach {@code exit}; true when it did within {@code timeout}. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return exited.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- package-private, for built-in services (broker thread) ----

    Router router() {
        return router;
    }

    ModuleHost modules() {
        return modules;
    }

    BrokerLink link() {
        return link;
    }

    LogRing logRing() {
        return logRing;
    }

    StateMachine states() {
        return states;
    }

    Instant startedAt() {
        return startedAt;
    }

    int clientCount() {
        return connector == null ? 0 : connector.clientCount();
    }

    // ---- the walk through the states (broker thread) ----

    private void join() {
        // A leader has no parent: nothing to join.
        states.move("parent-none", BrokerState.INIT);
        loadInitialModules(new ArrayList<>(config.modules()));
    }

    private void loadInitialModules(List<String> remaining) {
        if (shutdownRequested) {
            return;
        }
        if (remaining.isEmpty()) {
            states.move("init-success", BrokerState.QUORUM);
            states.move("quorum-full", BrokerState.RUN);
            return;
        }
        String name = remaining.remove(0);
        try {
            modules.start(modules.instantiate(name), java.util.Map.of(), link, router, (runner, failure) -> execute(() -> {
                if (failure != null) {
                    LOG.error("built-in module {} failed to start: {}", name, failure.toString(), failure);
                    discard(runner);
                    beginShutdown("module " + name + " failed to start");
                } else {
                    loadInitialModules(remaining);
                }
            }));
        } catch (Exception e) {
            LOG.error("cannot load built-in module {}: {}", name, e.getMessage());
            beginShutdown("module " + name + " could not be loaded");
        }
    }

    private void beginShutdown(String reason) {
        if (shutdownRequested) {
            return;
        }
        shutdownRequested = true;
        LOG.info("shutting down: {}", reason);
        BrokerState now = states.state();
        if (now == BrokerState.RUN) {
            states.move("shutdown", BrokerState.CLEANUP);
            states.move("cleanup-none", BrokerState.SHUTDOWN);
        } else if (now.ordinal() < BrokerState.SHUTDOWN.ordinal()) {
            states.move("shutdown", BrokerState.SHUTDOWN);
        }
        states.move("children-none", BrokerState.FINALIZE);
        stopModules(new ArrayList<>(modules.loaded()));
    }

    /** Stops modules one at a time, last loaded first, then exits. */
    private void stopModules(List<ModuleRunner> remaining) {
        if (remaining.isEmpty()) {
            exit();
            return;
        }
        ModuleRunner runner = remaining.remove(remaining.size() - 1);
        unload(runner, failure -> stopModules(remaining));
    }

    /** Forgets every trace of a module that stopped or failed: services, subscriptions, its hop. */
    void discard(ModuleRunner runner) {
        router.registry().removeOwner(runner.id());
        router.subscriptions().removeAll(runner.id());
        router.detach(runner.id());
        modules.forget(runner.name());
    }

    /** Unregisters a module, stops it on its thread, and calls {@code then} on the broker thread. */
    void unload(ModuleRunner runner, java.util.function.Consumer<Throwable> then) {
        router.registry().removeOwner(runner.id());
        router.subscriptions().removeAll(runner.id());
        runner.stop(failure -> execute(() -> {
            if (failure != null) {
                LOG.error("module {} failed while stopping: {}", runner.name(), failure.toString());
            } else {
                LOG.info("module {} unloaded", runner.name());
            }
            discard(runner);
            then.accept(failure);
        }));
    }

    private void exit() {
        states.move("finalize-done", BrokerState.EXIT);
        if (connector != null) {
            connector.close();
        }
        try {
            checkpoints.close();
        } catch (Exception e) {
            LOG.error("closing the checkpoint store failed: {}", e.toString());
        }
        running = false;
        exited.countDown();
    }

    private void runLoop() {
        while (running) {
            Runnable task;
            try {
                task = inbox.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (task == null) {
                continue;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("broker loop task failed: {}", e.toString(), e);
            }
        }
    }

    /** The broker as its modules see it. */
    private final class Link implements BrokerLink {
        @Override
        public void post(Endpoint from, Message message) {
            receive(from, message);
        }

        @Override
        public void serve(Endpoint module, String topic, Access access) {
            router.registry().addModuleTopic(topic, access, module);
        }

        @Override
        public void subscribe(Endpoint module, String prefix, boolean add) {
            execute(() -> {
                if (add) {
                    router.subscriptions().add(module, prefix);
                } else {
                    router.subscriptions().remove(module.id(), prefix);
                }
            });
        }

        @Override
        public void failed(ModuleRunner runner, Throwable cause) {
            execute(() -> {
                if (modules.get(runner.name()) != runner) {
                    return;
                }
                LOG.error("module {} threw {} and is being unloaded; the broker carries on",
                        runner.name(), cause.toString());
                discard(runner);
                runner.abandon();
            });
        }

        @Override
        public int rank() {
            return config.rank();
        }

        @Override
        public int size() {
            return config.size();
        }

        @Override
        public int ownerUid() {
            return config.ownerUid();
        }
    }
}
