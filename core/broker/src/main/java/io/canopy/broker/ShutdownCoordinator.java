package io.canopy.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Shuts brokers down in the order that loses nothing, and hands module state up the tree.
 *
 * <ul>
 *   <li><b>full</b> ({@code canopy shutdown}): every broker waits until each child has handed up
 *       its checkpoint (or is gone), stops its modules, hands its own checkpoint (with its
 *       children's nested in it) to its parent, waits for the acknowledgement and exits. The leader
 *       keeps everything on disk and exits last.
 *   <li><b>service-only</b> ({@code canopy shutdown --service-only}): brokers without children hand
 *       up their current checkpoint and stay up (their work goes on; they rejoin when the service
 *       brokers return); brokers with children proceed as in a full shutdown.
 *   <li><b>self</b> (SIGTERM, {@code broker.shutdown}): this broker alone says goodbye and exits.
 * </ul>
 *
 * <p>Topics: {@code shutdown.start} (owner, leader: begins, streams progress), {@code
 * shutdown.handoff} (owner: a child's checkpoint), {@code shutdown.progress} (owner, leader: a
 * rank is done). Event: {@code shutdown.begin}. What the children hand up goes to the state keeper;
 * they ask for it back through {@link CheckpointServices}. Used on the broker thread only.
 */
final class ShutdownCoordinator {
    private static final Logger LOG = LogManager.getLogger(ShutdownCoordinator.class);
    private static final long HANDOFF_TIMEOUT_SECONDS = 60;

    enum Mode { FULL, SERVICE_ONLY, SELF }

    /** The broker's part of a shutdown: its walk through the states, its modules, its exit. */
    interface Steps {
        /** Moves to {@code shutdown} (through cleanup from run): the broker now waits for its children. */
        void enterShutdown();

        /** Moves to {@code finalize}, stops the modules (they checkpoint) and runs {@code then}. */
        void finalizeModules(Runnable then);

        /** Says goodbye to the parent, closes every socket and the state store, and ends the broker. */
        void exit();
    }

    private final BrokerContext ctx;
    private final Steps steps;
    private final Map<Integer, byte[]> handed = new TreeMap<>();
    private final TreeSet<Integer> done = new TreeSet<>();
    private final List<Message> watchers = new ArrayList<>();
    private Mode mode;
    private boolean waitingForChildren;
    private boolean finalizing;

    ShutdownCoordinator(BrokerContext ctx, Steps steps) {
        this.ctx = ctx;
        this.steps = steps;
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("shutdown.start", Access.OWNER, false, this::start);
        registry.addBuiltin("shutdown.handoff", Access.OWNER, true, this::handoff);
        registry.addBuiltin("shutdown.progress", Access.OWNER, true, this::progress);
        ctx.rpc().onEvent("shutdown.begin", this::onBegin);
    }

    boolean active() {
        return mode != null;
    }

    /** Begins a shutdown of the given mode on this broker (from the event, a signal or a request). */
    void begin(Mode m, String reason) {
        if (mode != null && !(mode == Mode.SERVICE_ONLY && m == Mode.SELF)) {
            return;
        }
        boolean leaf = topology().children().isEmpty();
        if (m == Mode.SERVICE_ONLY && leaf && topology().parent() >= 0) {
            mode = m;
            handUp(() -> {
                LOG.info("shutdown (service-only): checkpoint handed to the parent; this broker stays up, "
                        + "its work goes on, and it rejoins when the service brokers return");
                mode = null; // not shutting down: a later shutdown may begin
            });
            return;
        }
        mode = m;
        LOG.info("shutting down ({}): {}", m.name().toLowerCase().replace('_', '-'), reason);
        steps.enterShutdown();
        if (m == Mode.SELF) {
            finish();
        } else {
            waitingForChildren = true;
            check();
        }
    }

    /** A child's status changed: a child that is gone no longer holds the shutdown up. */
    void childChanged() {
        check();
    }

    private void onBegin(Message event) {
        try {
            JsonNode b = Payloads.tree(event.payload());
            begin(b.path("mode").asText().equals("service-only") ? Mode.SERVICE_ONLY : Mode.FULL,
                    b.path("reason").asText("requested by the instance owner"));
        } catch (RpcException e) {
            LOG.error("unreadable shutdown.begin event: {}", e.getMessage());
        }
    }

    private void start(Message req) throws RpcException {
        if (topology().rank() != 0) {
            throw new RpcException(Errno.EINVAL, "shutdown.start goes to rank 0 (the CLI sends it there)");
        }
        JsonNode b = Payloads.tree(req.payload());
        String m = b.path("mode").asText("full");
        if (!m.equals("full") && !m.equals("service-only")) {
            throw new RpcException(Errno.EINVAL, "unknown shutdown mode '" + m + "': full or service-only");
        }
        watchers.add(req);
        stream(Map.of("event", "begin", "mode", m, "total", topology().size()));
        if (mode == null) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("mode", m);
            body.put("reason", b.path("reason").asText("requested by uid " + req.userid()));
            ctx.router().publish(Message.event("shutdown.begin", Payloads.encode(body))
                    .withCredentials(ctx.config().ownerUid(), Role.OWNER));
        }
    }

    private void handoff(Message req) throws RpcException {
        JsonNode b = Payloads.tree(req.payload());
        int child = b.path("rank").asInt(-1);
        if (!topology().children().contains(child)) {
            throw new RpcException(Errno.EINVAL, "rank " + child + " is not a child of rank " + topology().rank());
        }
        try {
            byte[] cp = b.path("checkpoint").binaryValue();
            handed.put(child, cp == null ? new byte[0] : cp);
        } catch (IOException e) {
            throw new RpcException(Errno.EPROTO, "unreadable checkpoint from rank " + child + ": " + e.getMessage());
        }
        LOG.info("shutdown: {} (rank {}) handed up its checkpoint ({} bytes)", topology().host(child), child,
                handed.get(child).length);
        if (ctx.keeper().durable() && b.path("mode").asText().equals("service-only")) {
            keep(Map.of(child, handed.get(child))); // the leader saves a staying child's state at once
        }
        ctx.router().respond(req.response(Payloads.encode(Map.of("ok", true))));
        reportDone(child);
        check();
    }

    private void progress(Message req) throws RpcException {
        int rank = Payloads.tree(req.payload()).path("rank").asInt(-1);
        recordDone(rank);
    }

    private void check() {
        if (!waitingForChildren || finalizing) {
            return;
        }
        List<Integer> waiting = new ArrayList<>();
        for (int c : topology().children()) {
            PeerStatus s = ctx.view().statusOf(c);
            boolean gone = s == PeerStatus.LOST || s == PeerStatus.OFFLINE;
            if (!handed.containsKey(c) && !gone) {
                waiting.add(c);
            }
        }
        if (!waiting.isEmpty()) {
            LOG.debug("shutdown: waiting for {} child(ren): {}", waiting.size(), waiting);
            return;
        }
        finish();
    }

    /** Stops the modules, then hands up (or, on the leader, saves) and exits. */
    private void finish() {
        finalizing = true;
        steps.finalizeModules(() -> {
            if (topology().parent() < 0) {
                keep(handed);
                recordDone(0);
                streamFinal();
                steps.exit();
            } else if (mode == Mode.SELF) {
                steps.exit();
            } else {
                handUp(steps::exit);
            }
        });
    }

    private void keep(Map<Integer, byte[]> children) {
        try {
            ctx.keeper().keepChildren(children);
        } catch (IOException e) {
            LOG.error("shutdown: cannot save the children's checkpoints: {}; the previous ones are kept", e.getMessage());
        }
    }

    /** Sends this broker's checkpoint to the parent; {@code then} runs once it is acknowledged (or given up). */
    private void handUp(Runnable then) {
        byte[] cp;
        try {
            cp = ctx.keeper().handUp(topology().rank(), topology().host(topology().rank()), handed);
        } catch (IOException e) {
            LOG.error("shutdown: cannot write this broker's checkpoint: {}; handing up nothing", e.getMessage());
            cp = new byte[0];
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("rank", topology().rank());
        body.put("mode", mode == Mode.SERVICE_ONLY ? "service-only" : "full");
        body.put("checkpoint", cp);
        boolean[] answered = {false};
        Message req = ctx.rpc().prepare(Message.request("shutdown.handoff", topology().parent(), 0, Payloads.encode(body))
                .withCredentials(ctx.config().ownerUid(), Role.OWNER), resp -> {
                    if (answered[0]) {
                        return;
                    }
                    answered[0] = true;
                    if (resp.isError()) {
                        LOG.error("shutdown: the parent refused the checkpoint: {}", resp.errstr());
                    }
                    then.run();
                });
        ctx.router().request(req.pushRoute(ctx.rpc().id()));
        ctx.schedule(HANDOFF_TIMEOUT_SECONDS, TimeUnit.SECONDS, () -> {
            if (!answered[0]) {
                answered[0] = true;
                LOG.error("shutdown: the parent did not acknowledge the checkpoint within {}s; going on without it",
                        HANDOFF_TIMEOUT_SECONDS);
                then.run();
            }
        });
    }

    private void reportDone(int rank) {
        if (topology().rank() == 0) {
            recordDone(rank);
            return;
        }
        ctx.router().request(Message.request("shutdown.progress", 0, 0, Payloads.encode(Map.of("rank", rank)))
                .withFlags(Message.FLAG_NORESPONSE).withCredentials(ctx.config().ownerUid(), Role.OWNER)
                .pushRoute(ctx.rpc().id()));
    }

    private void recordDone(int rank) {
        if (rank < 0 || !done.add(rank)) {
            return;
        }
        stream(Map.of("event", "done", "rank", rank, "host", topology().host(rank), "done", done.size(),
                "total", topology().size()));
    }

    private void stream(Map<String, Object> body) {
        for (Message w : watchers) {
            ctx.router().respond(w.response(Payloads.encode(body)).withFlags(Message.FLAG_STREAMING));
        }
    }

    private void streamFinal() {
        for (Message w : watchers) {
            ctx.router().respond(w.response(Payloads.encode(Map.of("event", "finished", "done", done.size(),
                    "total", topology().size()))));
        }
        watchers.clear();
    }

    private Topology topology() {
        return ctx.topology();
    }
}
