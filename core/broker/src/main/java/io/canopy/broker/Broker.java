package io.canopy.broker;

import io.canopy.local.LocalConnector;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.overlay.Overlay;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One broker: the event loop that owns routing, the state machine and the loaded modules, with the
 * local connector in front of it and the overlay (if the instance has more than one broker) below.
 * Everything that changes broker state runs on the loop thread; other threads hand work to it with
 * {@link #execute}.
 *
 * <p>Life: {@link #start()} opens the local socket at once (it answers status from the first
 * moment), then walks join (a follower waits for its parent's hello), init (built-in modules
 * start), quorum (the leader waits for its quorum, a follower for its parent to run) and run.
 * {@link #shutdown} walks cleanup, shutdown, finalize (modules stop and checkpoint) and exit. The
 * broker fires the {@link BrokerEvent}s; {@link StateTable} decides where each leads.
 *
 * <p>The built-in services and the shutdown coordinator see the broker only through
 * {@link BrokerContext} (the inner {@code Context}); modules through {@link BrokerLink}.
 */
public final class Broker implements LocalConnector.Sink {
    private static final Logger LOG = LogManager.getLogger(Broker.class);
    /** Most tasks run as one burst of sends for the overlay ({@link #runLoop}). */
    private static final int BURST = 64;

    private final BrokerConfig config;
    private final LogRing logRing;
    private final StateKeeper keeper;
    private final BrokerRpc rpc = new BrokerRpc();
    private final ShutdownCoordinator coordinator;
    private final ConfigServices configServices;
    private final CheckpointServices checkpoints;
    /**
     * One timer thread for every broker of the JVM (a JVM may host many): a timer only hands its
     * task to the broker's loop, so it never waits long. It inherits no thread context (a log line
     * on it would otherwise be attributed to whichever broker started it).
     */
    private static final java.util.concurrent.ScheduledExecutorService TIMERS =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(null, r, "broker-timers", 0, false);
                t.setDaemon(true);
                return t;
            });
    private final Overlay overlay;
    private final StateMachine states = new StateMachine();
    private final Router router;
    private final ModuleHost modules;
    private final OverlayView view;
    private final ParentLink parentLink;
    private final SubtreeReports subtree;
    private final InterestReports interest;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final CountDownLatch exited = new CountDownLatch(1);
    private final Instant startedAt = Instant.now();
    private final Link link = new Link();
    private final Context context = new Context();
    private final Set<Integer> quorumMembers = new TreeSet<>();
    private final Thread loop;
    private LocalConnector connector;
    private volatile boolean running = true;
    private volatile boolean hasRun;
    private boolean initialized;

    /** A broker of a one-broker instance (no overlay), keeping state in memory. */
    public Broker(BrokerConfig config, LogRing logRing) {
        this(config, logRing, new MemoryStateKeeper(), null);
    }

    /** A broker of an instance whose brokers talk through {@code overlay} (null for size 1). */
    public Broker(BrokerConfig config, LogRing logRing, StateKeeper keeper, Overlay overlay) {
        this.config = config;
        this.logRing = logRing;
        this.keeper = keeper;
        this.overlay = overlay;
        this.router = new Router(config.topology(), states::state, () -> hasRun);
        this.modules = new ModuleHost(keeper::store, router, link, this::execute);
        this.view = new OverlayView(config.topology().children());
        this.parentLink = config.topology().parent() >= 0 && overlay != null
                ? new ParentLink(overlay, this::backlogOverflow) : null;
        Map<Integer, ChildLink> childLinks = new HashMap<>();
        if (overlay != null) {
            for (int c : config.topology().children()) {
                childLinks.put(c, new ChildLink(c, config.topology().host(c), overlay, router::respond));
            }
        }
        router.links(parentLink, childLinks, view);
        router.attach(rpc);
        router.subscriptions().add(rpc, "shutdown.");
        this.loop = new Thread(this::runLoop, "broker");
        quorumMembers.add(config.rank());
        this.subtree = new SubtreeReports(context);
        this.interest = new InterestReports(context);
        states.onChange((from, to) -> {
            if (overlay != null) {
                overlay.announceState(to.label());
            }
            subtree.changed(); // the parent counts this broker as a member once it runs
        });
        this.configServices = new ConfigServices(context);
        this.checkpoints = new CheckpointServices(context);
        this.coordinator = new ShutdownCoordinator(context, new Steps());
        ServiceRegistry registry = router.registry();
        new BrokerServices(context, logRing, this::clientCount, this::shutdown, this::kill, interest::afterUpstream)
                .register(registry);
        new ModuleServices(context).register(registry);
        new OverlayServices(context, overlay, parentLink, configServices::running, this::online).register(registry);
        configServices.register(registry);
        subtree.register(registry);
        interest.register(registry);
        checkpoints.register(registry);
        coordinator.register(registry);
    }

    public BrokerConfig config() {
        return config;
    }

    public BrokerState state() {
        return states.state();
    }

    /**
     * Calls {@code listener} with (from, to) on every state change, on the broker thread: keep it
     * short (hand slow work to a thread of your own). Register before {@link #start()}.
     */
    public void onStateChange(java.util.function.BiConsumer<BrokerState, BrokerState> listener) {
        states.onChange(listener);
    }

    /**
     * The file this broker's configuration came from and what it said, for {@code config.get} and
     * {@code config.reload}. Call before {@link #start()}; a broker without one has no file to reload.
     */
    public void useConfig(ConfigSource source, ConfigSource.Loaded loaded) {
        execute(() -> configServices.use(source, loaded));
    }

    /**
     * Opens the local socket, starts the overlay and starts the walk to {@code run}.
     *
     * @throws IOException when the socket or the overlay cannot be set up (the message says why)
     */
    public void start() throws IOException {
        connector = new LocalConnector(config.localSocket(), config.ownerUid(), config.maxFrameSize(), this);
        connector.start();
        loop.start();
        if (overlay != null) {
            try {
                overlay.start(new OverlayEvents());
            } catch (IOException e) {
                connector.close();
                running = false;
                throw e;
            }
        }
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

    /** Shuts this broker down in order (SIGTERM): goodbye to the parent, modules stop, exit. Thread-safe. */
    public void shutdown(String reason) {
        execute(() -> coordinator.begin(ShutdownCoordinator.Mode.SELF, reason));
    }

    /** Waits for the broker to reach {@code exit}; true when it did within {@code timeout}. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return exited.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private int clientCount() {
        return connector == null ? 0 : connector.clientCount();
    }

    /** The leader learns that {@code rank} is online (for its quorum). */
    private void online(int rank) {
        quorumMembers.add(rank);
        checkQuorum();
    }

    // ---- the walk through the states (broker thread) ----

    private void join() {
        if (config.topology().parent() < 0) {
            states.fire(BrokerEvent.PARENT_NONE);
            initialized = true;
            initialize();
        }
        // A follower waits in join for OverlayEvents.parentUp.
    }

    private void onParentUp(String parentState, String parentSession) {
        view.parentUp(parentState);
        parentLink.up(parentSession);
        subtree.parentUp();
        interest.parentUp();
        if (!coordinator.active() && states.state() == BrokerState.QUORUM) {
            // It lost the parent while in init (nothing to leave then) and finished init alone:
            // the parent's state in its hello-ok is all it will hear until that state changes.
            followParent();
            return;
        }
        if (coordinator.active() || states.state() != BrokerState.JOIN) {
            return;
        }
        if (initialized) {
            states.fire(BrokerEvent.PARENT_READY_REJOIN);
            checkpoints.dropAtParent();
            followParent();
        } else {
            states.fire(BrokerEvent.PARENT_READY);
            initialized = true;
            checkpoints.restoreFromParent(this::initialize);
        }
    }

    private void onParentState(String parentState) {
        view.parentState(parentState);
        if (states.state() == BrokerState.QUORUM) {
            followParent();
        }
    }

    private void onParentDown(String why) {
        view.parentDown(why);
        parentLink.down();
        BrokerState now = states.state();
        if (!coordinator.active() && (now == BrokerState.RUN || now == BrokerState.QUORUM)
                || coordinator.active() && now == BrokerState.RUN) {
            LOG.warn("lost the parent (rank {}): {}; back to join, retrying; local work goes on and "
                    + "upstream requests wait", config.topology().parent(), why);
            states.fire(BrokerEvent.PARENT_LOST);
        }
    }

    private void onChildStatus(int rank, PeerStatus status, String why) {
        PeerStatus old = view.childStatus(rank, status, why);
        if (old == status) {
            return;
        }
        subtree.linkChanged(rank, status);
        interest.linkChanged(rank, old, status);
        if (status == PeerStatus.LOST || status == PeerStatus.OFFLINE) {
            router.childGone(rank, status);
        }
        coordinator.childChanged();
        String host = config.topology().host(rank);
        if (status == PeerStatus.ONLINE) {
            LOG.info("child {} (rank {}) is online{}", host, rank, why == null ? "" : ": " + why);
        } else {
            LOG.warn("child {} (rank {}) is {}: {}", host, rank, status.label(), why);
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("rank", rank);
        body.put("host", host);
        body.put("status", status.label());
        body.put("previous", old.label());
        body.put("parent", config.rank());
        body.put("reason", why);
        router.publish(Message.event("overlay.peer-status", Payloads.encode(body))
                .withCredentials(config.ownerUid(), io.canopy.message.Role.OWNER));
    }

    private void initialize() {
        loadInitialModules(new ArrayList<>(config.modules()));
    }

    private void loadInitialModules(List<String> remaining) {
        if (coordinator.active()) {
            return;
        }
        if (remaining.isEmpty()) {
            states.fire(BrokerEvent.INIT_SUCCESS);
            if (config.topology().parent() < 0) {
                checkQuorum();
            } else {
                // Tell the leader this broker is online (for its quorum), then follow the parent.
                parentLink.deliver(Message.request("broker.online", 0, 0,
                        Payloads.encode(Map.of("rank", config.rank())))
                        .withFlags(Message.FLAG_NORESPONSE)
                        .withCredentials(config.ownerUid(), io.canopy.message.Role.OWNER));
                followParent();
            }
            return;
        }
        String name = remaining.remove(0);
        try {
            modules.start(modules.instantiate(name), config.moduleArgs().getOrDefault(name, Map.of()), (runner, failure) -> execute(() -> {
                if (failure != null) {
                    LOG.error("built-in module {} failed to start: {}", name, failure.toString(), failure);
                    modules.discard(runner);
                    shutdown("module " + name + " failed to start");
                } else {
                    loadInitialModules(remaining);
                }
            }));
        } catch (Exception e) {
            LOG.error("cannot load built-in module {}: {}", name, e.getMessage());
            shutdown("module " + name + " could not be loaded");
        }
    }

    private void checkQuorum() {
        if (states.can(BrokerEvent.QUORUM_FULL) && config.topology().parent() < 0
                && quorumMembers.size() >= config.quorum()) {
            states.fire(BrokerEvent.QUORUM_FULL);
            hasRun = true;
        }
    }

    private void followParent() {
        if (states.can(BrokerEvent.PARENT_RUN) && view.parentUp() && view.parentState().equals("run")) {
            states.fire(BrokerEvent.PARENT_RUN);
            hasRun = true;
        }
    }

    /** Moves to {@code shutdown}, through cleanup from run; nothing once there or past it. */
    private void enterShutdown() {
        if (states.can(BrokerEvent.SHUTDOWN)) {
            states.fire(BrokerEvent.SHUTDOWN);
        }
        if (states.can(BrokerEvent.CLEANUP_NONE)) {
            states.fire(BrokerEvent.CLEANUP_NONE);
        }
    }

    /** Says goodbye to the parent, closes every socket and the state store, and ends the loop. */
    private void exit() {
        if (states.state() == BrokerState.EXIT) {
            return;
        }
        if (overlay != null) {
            overlay.goodbye();
            overlay.close();
        }
        enterShutdown();
        if (states.can(BrokerEvent.CHILDREN_NONE)) {
            states.fire(BrokerEvent.CHILDREN_NONE);
        }
        states.fire(BrokerEvent.FINALIZE_DONE);
        if (connector != null) {
            connector.close();
        }
        try {
            keeper.close();
        } catch (IOException e) {
            LOG.error("closing the state store failed: {}", e.toString());
        }
        running = false;
        exited.countDown();
    }

    /**
     * Makes this broker vanish as a crashed node would (a test's and a benchmark's way to crash one
     * broker of a JVM that hosts several): no goodbye to the parent, no word to the children, no
     * state change announced; the overlay's and the local socket's connections drop, the modules
     * stop with their messages going nowhere, and {@link #awaitExit} returns. It happens a tenth of
     * a second from now, time for the answer to a {@code broker.kill} request to leave. Thread-safe.
     */
    public void kill(String reason) {
        schedule(100, TimeUnit.MILLISECONDS, () -> vanish(reason));
    }

    private void vanish(String reason) {
        if (!running) {
            return;
        }
        LOG.warn("killed ({}): vanishing without a goodbye", reason);
        running = false;
        if (overlay != null) {
            overlay.close();
        }
        if (connector != null) {
            connector.close();
        }
        for (ModuleRunner runner : modules.loaded()) {
            runner.stop(failure -> { }); // the overlay is closed: nothing it sends leaves this broker
        }
        try {
            keeper.close();
        } catch (IOException e) {
            LOG.error("closing the state store failed: {}", e.toString());
        }
        exited.countDown();
    }

    /** Runs {@code task} on the broker thread after a delay (never after the broker exited). */
    private void schedule(long delay, TimeUnit unit, Runnable task) {
        if (running) {
            TIMERS.schedule(() -> {
                if (running) {
                    execute(task);
                }
            }, delay, unit);
        }
    }

    private void backlogOverflow(Message dropped) {
        LOG.error("more than {} messages waiting for the parent: failing the oldest ({})",
                ParentLink.BACKLOG_LIMIT, dropped.topic());
        if (dropped.type() == io.canopy.message.MessageType.REQUEST) {
            router.respond(dropped.errorResponse(Errno.EAGAIN, "the parent has been away too long and "
                    + ParentLink.BACKLOG_LIMIT + " messages are waiting for it; try again later"));
        }
    }

    /**
     * Takes tasks as they come. The tasks found waiting together (up to {@link #BURST}) run as one
     * burst for the overlay: the first message they send wakes the overlay thread, the rest leave
     * together when the burst ends (batch frames, and at most two wake-ups rather than one a
     * message).
     */
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
            if (overlay != null) {
                overlay.beginBurst();
            }
            try {
                int ran = 0;
                do {
                    runTask(task);
                } while (++ran < BURST && (task = inbox.poll()) != null);
            } finally {
                if (overlay != null) {
                    overlay.endBurst();
                }
            }
        }
    }

    private static void runTask(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("broker loop task failed: {}", e.toString(), e);
        }
    }

    /**
     * What the overlay reports, handed to the broker thread: everything one wake-up of the overlay
     * thread brought goes over as one task (one wake-up of the broker thread), in order.
     */
    private final class OverlayEvents implements OverlayListener {
        /** Touched by the overlay thread only. */
        private List<Runnable> round = new ArrayList<>();

        private void later(Runnable report) {
            round.add(report);
        }

        @Override
        public void endOfRound() {
            if (round.isEmpty()) {
                return;
            }
            List<Runnable> reports = round;
            round = new ArrayList<>();
            execute(reports.size() == 1 ? reports.get(0) : () -> reports.forEach(Broker::runTask));
        }

        @Override
        public void fromParent(Message message) {
            later(() -> router.fromPeer("p", message));
        }

        @Override
        public void fromChild(int rank, Message message) {
            later(() -> router.fromPeer("t" + rank, message));
        }

        @Override
        public void parentUp(String parentState) {
            parentUp(parentState, null);
        }

        @Override
        public void parentUp(String parentState, String parentSession) {
            later(() -> onParentUp(parentState, parentSession));
        }

        @Override
        public void parentState(String state) {
            later(() -> onParentState(state));
        }

        @Override
        public void parentDown(String why) {
            later(() -> onParentDown(why));
        }

        @Override
        public void childStatus(int rank, PeerStatus status, String why) {
            later(() -> onChildStatus(rank, status, why));
        }

        @Override
        public void refused(String peer, String why) {
            later(() -> view.refused(peer, why));
        }

        @Override
        public String stateForHello() {
            return states.state().label();
        }
    }

    /** The broker's part of a shutdown, as the coordinator drives it. */
    private final class Steps implements ShutdownCoordinator.Steps {
        @Override
        public void enterShutdown() {
            Broker.this.enterShutdown();
        }

        @Override
        public void finalizeModules(Runnable then) {
            if (states.can(BrokerEvent.CHILDREN_COMPLETE)) {
                states.fire(BrokerEvent.CHILDREN_COMPLETE);
            }
            modules.unloadAll(then);
        }

        @Override
        public void exit() {
            Broker.this.exit();
        }
    }

    /** The broker as its built-in services and shutdown coordinator see it. */
    private final class Context implements BrokerContext {
        @Override
        public BrokerConfig config() {
            return config;
        }

        @Override
        public Router router() {
            return router;
        }

        @Override
        public BrokerRpc rpc() {
            return rpc;
        }

        @Override
        public StateKeeper keeper() {
            return keeper;
        }

        @Override
        public ModuleHost modules() {
            return modules;
        }

        @Override
        public OverlayView view() {
            return view;
        }

        @Override
        public BrokerState state() {
            return states.state();
        }

        @Override
        public double secondsInState() {
            return states.secondsInState();
        }

        @Override
        public Instant startedAt() {
            return startedAt;
        }

        @Override
        public void toParent(Message message) {
            parentLink.deliver(message);
        }

        @Override
        public void execute(Runnable task) {
            Broker.this.execute(task);
        }

        @Override
        public void schedule(long delay, TimeUnit unit, Runnable task) {
            Broker.this.schedule(delay, unit, task);
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
                modules.discard(runner);
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

        @Override
        public String hostname() {
            return config.topology().host(config.rank());
        }

        @Override
        public String localUri() {
            return "local://" + config.localSocket().toAbsolutePath();
        }
    }
}
