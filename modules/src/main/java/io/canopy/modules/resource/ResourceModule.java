package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.Access;
import io.canopy.module.BrokerModule;
import io.canopy.module.Event;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import io.canopy.module.UserNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The resource module: which ranks exist, which are up, and which are drained, on the leader.
 * On other ranks it stays idle, serving no {@code resource.*} topic: callers address rank 0 (as
 * the {@code canopy resource} commands do), since a request for any rank stops at the first broker
 * that holds the service, and every broker holds it.
 *
 * <p>Topics:
 * <ul>
 *   <li>{@code resource.status} (user): every rank with its state and drain record.
 *   <li>{@code resource.drain} (owner): {@code {"targets":"0-3", "reason":"...", "mode":"fail"}}; the
 *       modes are {@link DrainMode}'s ({@code fail} unless given: an already drained node is an error).
 *   <li>{@code resource.undrain} (owner): {@code {"targets":"node[1-2]", "reason":"..."}}.
 *   <li>{@code resource.eventlog} (user): {@code {"targets":"node5", "limit":100}}: the eventlog
 *       ({@link ResLog}): drains and undrains with who and why, nodes lost and restored.
 * </ul>
 * Events consumed: {@code overlay.members} (which ranks are up: {@link Monitor}),
 * {@code overlay.peer-status} (a rank was lost or came back: the eventlog, drain_on_lost). Events
 * published: {@code resource.drain}, {@code resource.undrain}, {@code resource.status} (a rank's
 * status changed), {@code resource.exclude} (the excluded ranks changed at a config reload).
 * Config: {@code drain_on_lost=true} drains a rank with reason {@code lost} when it is lost;
 * {@code exclude=RANKS} marks ranks that never run jobs (service nodes), as {@code excluded} in
 * {@code resource.status}; they cannot be drained ({@link Exclusions}). A drained rank where the scheduler ({@code sched.busy}) still has
 * jobs is reported {@code draining}, and {@code drained} once they are over.
 */
public final class ResourceModule implements BrokerModule {
    private ModuleContext ctx;
    private Inventory inventory;
    private DrainSet drains;
    private Drains drainer;
    private ResLog reslog;
    private Monitor monitor;
    private boolean drainOnLost;
    private Exclusions excluded;
    private final List<Event> early = new ArrayList<>();

    @Override
    public String name() {
        return "resource";
    }

    @Override
    public void start(ModuleContext context) throws Exception {
        this.ctx = context;
        if (ctx.rank() != 0) {
            ctx.log().debug("resource: the leader keeps the resource state; idle on rank {}", ctx.rank());
            return;
        }
        drainOnLost = Boolean.parseBoolean(ctx.config().get("drain_on_lost", "false"));
        excluded = new Exclusions(Exclusions.parse(ctx.config().get("exclude", ""), ctx.size()));
        drains = new DrainSet(ctx.checkpoint());
        drainer = new Drains(drains, excluded);
        reslog = new ResLog(ctx.checkpoint());
        monitor = new Monitor((rank, status) -> ctx.publish("resource.status",
                Map.of("rank", rank, "host", inventory.host(rank), "status", status)));
        ctx.subscribe("overlay.peer-status", this::onPeerStatus);
        ctx.subscribe("overlay.members", e -> monitor.apply(e.payloadTree()));
        ctx.rpc(0, "overlay.topology", null).whenComplete((resp, err) -> {
            try {
                if (err != null) {
                    throw err;
                }
                inventory = new Inventory(resp.payloadTree());
                if (!excluded.ranks().isEmpty()) {
                    ctx.log().info("resource: {} excluded from running jobs ([resource] exclude)",
                            Nodes.describe(excluded.ranks().toList(), inventory));
                }
                undrainExcluded();
                monitor.inventory(inventory);
                for (Event e : early) {
                    onPeerStatus(e);
                }
                early.clear();
            } catch (Throwable e) {
                ctx.log().error("resource: cannot learn the instance's ranks from overlay.topology ({}); "
                        + "resource commands will answer EAGAIN until the module is reloaded", e.toString());
            }
        });
        askMembers();
        ctx.serve("resource.status", Access.USER, this::status);
        ctx.serve("resource.drain", Access.OWNER, this::drain);
        ctx.serve("resource.undrain", Access.OWNER, this::undrain);
        ctx.serve("resource.eventlog", Access.USER, this::eventlog);
        ctx.log().info("resource: {} drained rank(s) restored", drains.all().size());
    }

    /**
     * {@code canopy config reload}: a new {@code drain_on_lost} and {@code exclude}. Nodes that
     * become excluded lose their drain ({@code resource.undrain}); the scheduler hears
     * {@code resource.exclude} and reads the node states again.
     */
    @Override
    public boolean reconfigure(io.canopy.module.ModuleConfig newConfig) throws RpcException {
        if (ctx.rank() != 0) {
            return true; // idle here: nothing to change
        }
        io.canopy.idset.IdSet ranks = Exclusions.parse(newConfig.get("exclude", ""), ctx.size());
        drainOnLost = Boolean.parseBoolean(newConfig.get("drain_on_lost", "false"));
        if (!ranks.equals(excluded.ranks())) {
            io.canopy.idset.IdSet before = excluded.ranks();
            excluded.set(ranks);
            ctx.log().info("resource: exclude is now {} (was {})", ranks.isEmpty() ? "empty" : ranks,
                    before.isEmpty() ? "empty" : before);
            if (inventory != null) {
                undrainExcluded();
                List<Integer> touched = new ArrayList<>(ranks.union(before).toList());
                journal("exclude", touched, Map.of("exclude", ranks.toString(), "was", before.toString(), "by", "config"));
            }
            ctx.publish("resource.exclude", Map.of("ranks", ranks.toList()));
        }
        return true;
    }

    private Inventory inventory() throws RpcException {
        if (inventory == null) {
            throw new RpcException(Errno.EAGAIN, "the resource module is still starting; try again");
        }
        return inventory;
    }

    /** The tree as the leader's broker sees it now; the event of the same name brings every change after. */
    private void askMembers() {
        ctx.rpc(0, "overlay.members", null).whenComplete((resp, err) -> {
            if (err != null) {
                ctx.log().warn("resource: overlay.members failed ({}); asking again", err.getMessage());
                ctx.schedule(Duration.ofSeconds(1), this::askMembers);
                return;
            }
            try {
                monitor.apply(resp.payloadTree());
            } catch (RpcException e) {
                ctx.log().error("resource: unreadable overlay.members: {}", e.getMessage());
            }
        });
    }

    /** A rank's parent saw it lost: with {@code drain_on_lost}, it is drained (once). */
    private void onPeerStatus(Event e) throws RpcException {
        if (inventory == null) {
            early.add(e); // kept until the inventory is known
            return;
        }
        JsonNode b = e.payloadTree();
        int rank = b.path("rank").asInt(-1);
        String status = b.path("status").asText();
        if (rank < 0 || rank >= inventory.size()) {
            return;
        }
        // which ranks are up comes from overlay.members (Monitor); this event is the history
        String previous = b.path("previous").asText("");
        String why = b.path("reason").isTextual() ? b.path("reason").asText() : null;
        if (status.equals("lost")) {
            journal("lost", List.of(rank), Map.of("reason", why == null ? "lost" : why));
        } else if (status.equals("online") && previous.equals("lost")) {
            journal("restored", List.of(rank), Map.of("reason", why == null ? "online again" : why));
        }
        if (status.equals("lost") && drainOnLost && drains.get(rank) == null && !excluded.contains(rank)) {
            String owner = UserNames.of(ctx.ownerUid());
            drainer.drain(List.of(rank), new Drain("lost", ctx.ownerUid(), owner, now()), DrainMode.UPDATE, inventory,
                    c -> stageDrain(c, ctx.ownerUid(), "lost", DrainMode.UPDATE, "drain_on_lost"));
            ctx.log().warn("resource: drained {} (rank {}): lost", inventory.host(rank), rank);
            ctx.publish("resource.drain", Map.of("ranks", List.of(rank), "reason", "lost"));
        }
    }

    /** Appends an eventlog entry on its own commit; a failure is logged, the event goes on. */
    private void journal(String name, List<Integer> ranks, Map<String, Object> context) {
        try {
            reslog.append(name, ranks, inventory, context);
        } catch (RpcException e) {
            ctx.log().error("resource: cannot record '{}' of {} in the eventlog: {}", name,
                    Nodes.describe(ranks, inventory), e.getMessage());
        }
    }

    /** Stages the eventlog entry of a drain, to be committed with it. */
    private Runnable stageDrain(Drains.Change c, int userid, String reason, DrainMode mode, String by) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("user", UserNames.of(userid));
        context.put("userid", userid);
        context.put("reason", reason);
        context.put("mode", mode.wire());
        context.put("by", by);
        List<String> replaced = c.before().values().stream().filter(java.util.Objects::nonNull).map(Drain::reason)
                .distinct().toList();
        if (!replaced.isEmpty()) {
            context.put("replaced", String.join("; ", replaced));
        }
        ResLog.Entry e = reslog.stage("drain", c.ranks(), inventory, context);
        return () -> reslog.unstage(e);
    }

    /** Stages the eventlog entry of an undrain, to be committed with it. */
    private Runnable stageUndrain(Drains.Change c, int userid, String reason, String by) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("user", by.equals("config") ? null : UserNames.of(userid));
        context.put("userid", by.equals("config") ? null : userid);
        context.put("reason", reason == null || reason.isEmpty() ? null : reason);
        context.put("by", by);
        List<String> was = c.before().values().stream().filter(java.util.Objects::nonNull).map(Drain::reason)
                .distinct().toList();
        context.put("was", String.join("; ", was));
        ResLog.Entry e = reslog.stage("undrain", c.ranks(), inventory, context);
        return () -> reslog.unstage(e);
    }

    private void eventlog(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Inventory inv = inventory();
        String targets = b.path("targets").asText("");
        java.util.Set<Integer> ranks = targets.isBlank() ? null : Targets.resolve(targets, inv);
        req.respond(Map.of("events", reslog.entries(ranks, b.path("limit").asInt(0))));
    }

    private void status(Request req) throws RpcException {
        inventory();
        // which nodes still run jobs: a drained node that does is "draining"
        ctx.rpc(0, "sched.busy", Map.of()).whenComplete((resp, err) -> {
            JsonNode busy = null;
            if (err == null) {
                try {
                    busy = resp.payloadTree().path("busy");
                } catch (RpcException e) {
                    ctx.log().warn("resource: unreadable sched.busy answer: {}", e.getMessage());
                }
            }
            req.respond(Map.of("nodes", nodes(busy)));
        });
    }

    private List<Map<String, Object>> nodes(JsonNode busy) {
        Inventory inv = inventory;
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int r = 0; r < inv.size(); r++) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("rank", r);
            n.put("host", inv.host(r));
            n.put("state", inv.effective(r));
            n.put("since", inv.since(r) / 1000.0);
            n.put("excluded", excluded.contains(r));
            JsonNode jobs = busy == null ? null : busy.get(Integer.toString(r));
            n.put("jobs", jobs == null ? 0 : jobs.size());
            Drain d = drains.get(r);
            if (d == null) {
                n.put("drain", null);
            } else {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("reason", d.reason());
                dm.put("user", d.user());
                dm.put("userid", d.userid());
                dm.put("time", d.time());
                dm.put("state", jobs != null && jobs.size() > 0 ? "draining" : "drained");
                n.put("drain", dm);
            }
            nodes.add(n);
        }
        return nodes;
    }

    private void drain(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Inventory inv = inventory();
        TreeSet<Integer> ranks = Targets.resolve(b.path("targets").asText(""), inv);
        String reason = b.path("reason").asText("");
        DrainMode mode = DrainMode.parse(b.path("mode").asText(""));
        Drain record = new Drain(reason, req.userid(), UserNames.of(req.userid()), now());
        Drains.Change change = drainer.drain(ranks, record, mode, inv,
                c -> stageDrain(c, req.userid(), reason, mode, "command"));
        List<Integer> changed = change.ranks();
        if (!changed.isEmpty()) {
            ctx.log().info("resource: drained {} for uid {} ({}): {}", Nodes.describe(changed, inv), req.userid(),
                    mode.wire(), reason.isEmpty() ? "no reason given" : reason);
            ctx.publish("resource.drain", Map.of("ranks", changed, "reason", reason));
        }
        List<Integer> kept = new ArrayList<>(ranks);
        kept.removeAll(changed);
        req.respond(Map.of("drained", changed, "alreadyDrained", kept));
    }

    private void undrain(Request req) throws RpcException {
        Inventory inv = inventory();
        JsonNode b = req.payloadTree();
        TreeSet<Integer> ranks = Targets.resolve(b.path("targets").asText(""), inv);
        String reason = b.path("reason").asText("");
        drainer.undrain(ranks, inv, c -> stageUndrain(c, req.userid(), reason, "command"));
        ctx.log().info("resource: undrained {} for uid {}", Nodes.describe(ranks, inv), req.userid());
        ctx.publish("resource.undrain", Map.of("ranks", List.copyOf(ranks)));
        req.respond(Map.of("undrained", List.copyOf(ranks)));
    }

    /** Drops the drains of excluded nodes (exclude changed since they were drained). */
    private void undrainExcluded() throws RpcException {
        Drains.Change dropped = drainer.undrainExcluded(c -> stageUndrain(c, ctx.ownerUid(),
                "excluded by [resource] exclude", "config"));
        if (!dropped.ranks().isEmpty()) {
            ctx.log().warn("resource: undrained {}: excluded by [resource] exclude now", Nodes.describe(dropped.ranks(),
                    inventory));
            ctx.publish("resource.undrain", Map.of("ranks", dropped.ranks()));
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
