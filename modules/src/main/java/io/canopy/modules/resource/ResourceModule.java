package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.idset.Hostlist;
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
 *   <li>{@code resource.drain} (owner): {@code {"targets":"0-3", "reason":"...", "force":false}}.
 *   <li>{@code resource.undrain} (owner): {@code {"targets":"node[1-2]"}}.
 * </ul>
 * Events consumed: {@code overlay.members} (which ranks are up: {@link Monitor}),
 * {@code overlay.peer-status} (a rank was lost). Events published: {@code resource.drain},
 * {@code resource.undrain}, {@code resource.status} (a rank's status changed).
 * Config: {@code drain_on_lost=true} drains a rank with reason {@code lost} when it is lost;
 * {@code exclude=RANKS|HOSTS} marks ranks that never run jobs (service nodes), as {@code excluded}
 * in {@code resource.status}. A drained rank where the scheduler ({@code sched.busy}) still has
 * jobs is reported {@code draining}, and {@code drained} once they are over.
 */
public final class ResourceModule implements BrokerModule {
    private ModuleContext ctx;
    private Inventory inventory;
    private DrainSet drains;
    private Monitor monitor;
    private boolean drainOnLost;
    private java.util.Set<Integer> excluded = java.util.Set.of();
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
        drains = new DrainSet(ctx.checkpoint());
        monitor = new Monitor((rank, status) -> ctx.publish("resource.status",
                Map.of("rank", rank, "host", inventory.host(rank), "status", status)));
        ctx.subscribe("overlay.peer-status", this::onPeerStatus);
        ctx.subscribe("overlay.members", e -> monitor.apply(e.payloadTree()));
        ctx.rpc(0, "overlay.topology", null).thenAccept(resp -> {
            try {
                inventory = new Inventory(resp.payloadTree());
                String exclude = ctx.config().get("exclude", "");
                if (!exclude.isBlank()) {
                    excluded = Targets.resolve(exclude, inventory);
                    ctx.log().info("resource: rank(s) {} excluded from running jobs ([resource] exclude)", excluded);
                }
                monitor.inventory(inventory);
                for (Event e : early) {
                    onPeerStatus(e);
                }
                early.clear();
            } catch (RpcException e) {
                throw new IllegalStateException("unreadable overlay.topology: " + e.getMessage(), e);
            }
        });
        askMembers();
        ctx.serve("resource.status", Access.USER, this::status);
        ctx.serve("resource.drain", Access.OWNER, this::drain);
        ctx.serve("resource.undrain", Access.OWNER, this::undrain);
        ctx.log().info("resource: {} drained rank(s) restored", drains.all().size());
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
        if (drainOnLost && b.path("status").asText().equals("lost") && rank >= 0 && rank < inventory.size()
                && drains.get(rank) == null) {
            drains.update(d -> d.put(rank, new Drain("lost", ctx.ownerUid(), UserNames.of(ctx.ownerUid()), now())));
            ctx.log().warn("resource: drained {} (rank {}): lost", inventory.host(rank), rank);
            ctx.publish("resource.drain", Map.of("ranks", List.of(rank), "reason", "lost"));
        }
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
        boolean force = b.path("force").asBoolean(false);
        Drain record = new Drain(reason, req.userid(), UserNames.of(req.userid()), now());
        List<Integer> changed = new ArrayList<>();
        drains.update(d -> {
            for (int r : ranks) {
                if (force || !d.containsKey(r)) {
                    d.put(r, record);
                    changed.add(r);
                }
            }
        });
        if (!changed.isEmpty()) {
            ctx.log().info("resource: drained {} (ranks {}) for uid {}: {}", hosts(changed, inv), changed, req.userid(),
                    reason.isEmpty() ? "no reason given" : reason);
            ctx.publish("resource.drain", Map.of("ranks", changed, "reason", reason));
        }
        List<Integer> kept = new ArrayList<>(ranks);
        kept.removeAll(changed);
        req.respond(Map.of("drained", changed, "alreadyDrained", kept));
    }

    private void undrain(Request req) throws RpcException {
        Inventory inv = inventory();
        TreeSet<Integer> ranks = Targets.resolve(req.payloadTree().path("targets").asText(""), inv);
        List<Integer> notDrained = ranks.stream().filter(r -> drains.get(r) == null).toList();
        if (!notDrained.isEmpty()) {
            throw new RpcException(Errno.EINVAL, "rank(s) " + io.canopy.idset.IdSet.of(notDrained.stream()
                    .mapToInt(Integer::intValue).toArray()) + " (" + hosts(notDrained, inv) + ") not drained; nothing was changed");
        }
        drains.update(d -> ranks.forEach(d::remove));
        ctx.log().info("resource: undrained {} (ranks {}) for uid {}", hosts(ranks, inv), ranks, req.userid());
        ctx.publish("resource.undrain", Map.of("ranks", List.copyOf(ranks)));
        req.respond(Map.of("undrained", List.copyOf(ranks)));
    }

    private static String hosts(java.util.Collection<Integer> ranks, Inventory inv) {
        return Hostlist.compress(ranks.stream().map(inv::host).toList());
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
