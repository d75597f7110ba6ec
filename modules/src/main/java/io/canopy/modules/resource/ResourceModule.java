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
 *   <li>{@code resource.status} (user): every rank with its state, its drains (each with its
 *       {@link DrainSource}) and the jobs that keep a draining node ({@link NodeStatus}).
 *   <li>{@code resource.drain} (owner): {@code {"targets":"0-3", "reason":"...", "mode":"fail",
 *       "source":"admin"}}; the modes are {@link DrainMode}'s ({@code fail} unless given: a node
 *       already drained by the same source is an error); the previous release's body is read too
 *       ({@link DrainRequest}).
 *   <li>{@code resource.undrain} (owner): {@code {"targets":"node[1-2]", "reason":"...", "source":"epilog"}};
 *       without {@code source} every drain of the targets goes; answers {@code stillDrained}, the
 *       targets another source still holds.
 *   <li>{@code resource.eventlog} (user): {@code {"targets":"node5", "limit":100}}: the eventlog
 *       ({@link ResLog}): drains and undrains with who and why, nodes lost and restored, reboots.
 *   <li>{@code resource.reboot} (owner) and {@code resource.reboot-status} (user): reboot nodes
 *       when idle, with a health gate ({@link Reboots}).
 * </ul>
 * Events consumed: {@code overlay.members} (which ranks are up: {@link Monitor}),
 * {@code overlay.peer-status} (a rank was lost or came back: the eventlog, drain_on_lost). Events
 * published: {@code resource.drain}, {@code resource.undrain}, {@code resource.status} (a rank's
 * status changed), {@code resource.exclude} (the excluded ranks changed at a config reload).
 * Config: {@code drain_on_lost=true} drains a rank with reason {@code lost} when it is lost;
 * {@code exclude=RANKS} marks ranks that never run jobs (service nodes), as {@code excluded} in
 * {@code resource.status}; they cannot be drained ({@link Exclusions}); {@code undrain_on_return=true}
 * clears the {@code lost} drain of a node that is back and passes its health check;
 * {@code reboot_timeout} is how long a rebooted node may take to come back. A drained rank where the
 * scheduler ({@code sched.busy}) still has jobs is reported {@code draining}, and {@code drained}
 * once they are over.
 */
public final class ResourceModule implements BrokerModule {
    /** How often a returned node's health check is asked for while its broker is still starting (once a second). */
    private static final int RETURN_TRIES = 120;
    /** Tries made before a returned node must also be online in the members summary (10 s). */
    private static final int MEMBERS_LAG_TRIES = 10;
    private ModuleContext ctx;
    private Inventory inventory;
    private DrainSet drains;
    private Drains drainer;
    private ResLog reslog;
    private Monitor monitor;
    private boolean drainOnLost;
    private boolean undrainOnReturn;
    private Exclusions excluded;
    private Reboots reboots;
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
        undrainOnReturn = Boolean.parseBoolean(ctx.config().get("undrain_on_return", "false"));
        excluded = new Exclusions(Exclusions.parse(ctx.config().get("exclude", ""), ctx.size()));
        drains = new DrainSet(ctx.checkpoint());
        drainer = new Drains(drains, excluded);
        reslog = new ResLog(ctx.checkpoint());
        monitor = new Monitor((rank, status) -> ctx.publish("resource.status",
                Map.of("rank", rank, "host", inventory.host(rank), "status", status)));
        reboots = new Reboots(ctx, new RebootHooks(), ctx.config().getDuration("reboot_timeout", Duration.ofMinutes(15)));
        reboots.healthCheckTimeout(ctx.config().getDuration("health_check_timeout", Duration.ofMinutes(5)));
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
                reboots.resume();
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
        ctx.serve("resource.reboot", Access.OWNER, reboots::request);
        ctx.serve("resource.reboot-status", Access.USER, reboots::status);
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
        undrainOnReturn = Boolean.parseBoolean(newConfig.get("undrain_on_return", "false"));
        reboots.defaultTimeout(newConfig.getDuration("reboot_timeout", Duration.ofMinutes(15)));
        reboots.healthCheckTimeout(newConfig.getDuration("health_check_timeout", Duration.ofMinutes(5)));
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
            if (undrainOnReturn && drains.get(rank, DrainSource.LOST) != null) {
                returned(rank, 0);
            }
        }
        if (status.equals("lost") && drainOnLost && drains.get(rank, DrainSource.LOST) == null && !excluded.contains(rank)) {
            String owner = UserNames.of(ctx.ownerUid());
            drainer.drain(List.of(rank), new Drain("lost", ctx.ownerUid(), owner, now(), DrainSource.LOST.wire()),
                    DrainMode.UPDATE, inventory, c -> stageDrain(c, ctx.ownerUid(), "lost", DrainMode.UPDATE, "drain_on_lost",
                            DrainSource.LOST));
            ctx.log().warn("resource: drained {} (rank {}): lost", inventory.host(rank), rank);
            ctx.publish("resource.drain", Map.of("ranks", List.of(rank), "reason", "lost", "source", "lost"));
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
    private Runnable stageDrain(Drains.Change c, int userid, String reason, DrainMode mode, String by,
            DrainSource source) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("user", UserNames.of(userid));
        context.put("userid", userid);
        context.put("reason", reason);
        context.put("source", source.wire());
        context.put("mode", mode.wire());
        context.put("by", by);
        List<String> replaced = c.reasonsBefore();
        if (!replaced.isEmpty()) {
            context.put("replaced", String.join("; ", replaced));
        }
        ResLog.Entry e = reslog.stage("drain", c.ranks(), inventory, context);
        return () -> reslog.unstage(e);
    }

    /** Stages the eventlog entry of an undrain, to be committed with it. */
    private Runnable stageUndrain(Drains.Change c, int userid, String reason, String by, DrainSource source) {
        Map<String, Object> context = new LinkedHashMap<>();
        boolean person = by.equals("command");
        context.put("user", person ? UserNames.of(userid) : null);
        context.put("userid", person ? userid : null);
        context.put("reason", reason == null || reason.isEmpty() ? null : reason);
        context.put("source", source == null ? String.join(",", c.before().values().stream().flatMap(List::stream)
                .map(Drain::source).distinct().toList()) : source.wire());
        context.put("by", by);
        context.put("was", String.join("; ", c.reasonsBefore()));
        List<Integer> still = c.ranks().stream().filter(drains::isDrained).toList();
        if (!still.isEmpty()) {
            context.put("still_drained", Nodes.hosts(still, inventory));
        }
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
            req.respond(Map.of("nodes", NodeStatus.nodes(inventory, excluded, drains, busy, reboots::statusOf)));
        });
    }

    private void drain(Request req) throws RpcException {
        DrainRequest dr = DrainRequest.drain(req.payloadTree());
        Inventory inv = inventory();
        TreeSet<Integer> ranks = Targets.resolve(dr.targets(), inv);
        Drain record = new Drain(dr.reason(), req.userid(), UserNames.of(req.userid()), now(), dr.source().wire());
        Drains.Change change = drainer.drain(ranks, record, dr.mode(), inv,
                c -> stageDrain(c, req.userid(), dr.reason(), dr.mode(), "command", dr.source()));
        List<Integer> changed = change.ranks();
        if (!changed.isEmpty()) {
            ctx.log().info("resource: drained {} for uid {} ({}, {}): {}", Nodes.describe(changed, inv), req.userid(),
                    dr.source().wire(), dr.mode().wire(), dr.reason().isEmpty() ? "no reason given" : dr.reason());
            ctx.publish("resource.drain", Map.of("ranks", changed, "reason", dr.reason(), "source", dr.source().wire()));
        }
        List<Integer> kept = new ArrayList<>(ranks);
        kept.removeAll(changed);
        req.respond(Map.of("drained", changed, "alreadyDrained", kept));
    }

    private void undrain(Request req) throws RpcException {
        Inventory inv = inventory();
        DrainRequest dr = DrainRequest.undrain(req.payloadTree());
        TreeSet<Integer> ranks = Targets.resolve(dr.targets(), inv);
        drainer.undrain(ranks, dr.source(), inv, c -> stageUndrain(c, req.userid(), dr.reason(), "command", dr.source()));
        List<Integer> free = ranks.stream().filter(r -> !drains.isDrained(r)).toList();
        List<Integer> still = ranks.stream().filter(drains::isDrained).toList();
        ctx.log().info("resource: undrained {} for uid {}{}", Nodes.describe(ranks, inv), req.userid(),
                dr.source() == null ? "" : " (" + dr.source().wire() + " only)");
        if (!free.isEmpty()) {
            ctx.publish("resource.undrain", Map.of("ranks", free));
        }
        req.respond(Map.of("undrained", List.copyOf(ranks), "stillDrained", still));
    }

    /**
     * An automatic undrain: {@code source}'s drain of {@code ranks} goes, nothing else (an
     * administrator's drain stays); the eventlog says why ({@code by}).
     */
    void release(List<Integer> ranks, DrainSource source, String reason, String by) throws RpcException {
        Drains.Change c = drainer.release(ranks, source, ch -> stageUndrain(ch, ctx.ownerUid(), reason, by, source));
        if (c.ranks().isEmpty()) {
            return;
        }
        List<Integer> free = c.ranks().stream().filter(r -> !drains.isDrained(r)).toList();
        List<Integer> still = c.ranks().stream().filter(drains::isDrained).toList();
        ctx.log().info("resource: {} drain of {} cleared ({}){}", source.wire(), Nodes.describe(c.ranks(), inventory), reason,
                still.isEmpty() ? "" : "; " + Nodes.describe(still, inventory) + " stay(s) drained by another source");
        if (!free.isEmpty()) {
            ctx.publish("resource.undrain", Map.of("ranks", free));
        }
    }

    /**
     * {@code undrain_on_return}: a lost node is back. Its {@code lost} drain goes once its health
     * check passes (or it has none); a failing check drains it by {@code health} instead. Another
     * source's drain (an administrator's) stays either way.
     */
    private void returned(int rank, int tries) {
        String host = inventory.host(rank);
        ctx.rpc(rank, "job-exec.health-check", Map.of()).whenComplete((resp, err) -> {
            try {
                if (err != null) {
                    // a broker is online to its parent before its modules run: ask again while it stays up
                    // (the members summary that says so may come a few heartbeats after this event)
                    boolean up = tries < MEMBERS_LAG_TRIES || inventory.effective(rank).equals("online");
                    if (tries < RETURN_TRIES && up && drains.get(rank, DrainSource.LOST) != null) {
                        ctx.schedule(Duration.ofSeconds(1), () -> returned(rank, tries + 1));
                    } else {
                        ctx.log().warn("resource: {} is back, but its health check could not run ({}); it stays "
                                + "drained (lost)", host, err.getMessage());
                    }
                    return;
                }
                JsonNode a = resp.payloadTree();
                int status = a.path("status").asInt(0);
                boolean configured = a.path("configured").asBoolean(true);
                journal("health-check", List.of(rank), Map.of("configured", configured, "status", status,
                        "output", a.path("output").asText("").strip()));
                if (status != 0) {
                    String out = a.path("output").asText("").strip();
                    int nl = out.indexOf('\n');
                    String why = "health check failed on " + host + " after it returned: exit " + status
                            + (out.isEmpty() ? "" : ": " + (nl < 0 ? out : out.substring(0, nl)));
                    new RebootHooks().drain(List.of(rank), DrainSource.HEALTH, why, DrainMode.FORCE_OVERWRITE,
                            ctx.ownerUid(), "undrain_on_return");
                    ctx.log().warn("resource: {}", why);
                }
                release(List.of(rank), DrainSource.LOST, "back online" + (configured ? ", health check "
                        + (status == 0 ? "passed" : "failed") : ""), "undrain_on_return");
            } catch (RpcException e) {
                ctx.log().error("resource: {} is back: {}", host, e.getMessage());
            }
        });
    }

    /** What the reboots need from the module. */
    private final class RebootHooks implements Reboots.Hooks {
        @Override
        public Inventory inventory() {
            return inventory;
        }

        @Override
        public DrainSet drains() {
            return drains;
        }

        @Override
        public void drain(List<Integer> ranks, DrainSource source, String reason, DrainMode mode, int userid, String by)
                throws RpcException {
            Drain record = new Drain(reason, userid, UserNames.of(userid), now(), source.wire());
            Drains.Change c = drainer.drain(ranks, record, mode, inventory,
                    ch -> stageDrain(ch, userid, reason, mode, by, source));
            if (!c.ranks().isEmpty()) {
                ctx.publish("resource.drain", Map.of("ranks", c.ranks(), "reason", reason, "source", source.wire()));
            }
        }

        @Override
        public void release(List<Integer> ranks, DrainSource source, String reason, String by) throws RpcException {
            ResourceModule.this.release(ranks, source, reason, by);
        }

        @Override
        public void refuseExcluded(List<Integer> ranks) throws RpcException {
            excluded.refuseDrain(ranks, inventory);
        }

        @Override
        public void journal(String name, List<Integer> ranks, Map<String, Object> context) {
            ResourceModule.this.journal(name, ranks, context);
        }
    }

    /** Drops the drains of excluded nodes (exclude changed since they were drained). */
    private void undrainExcluded() throws RpcException {
        Drains.Change dropped = drainer.undrainExcluded(c -> stageUndrain(c, ctx.ownerUid(),
                "excluded by [resource] exclude", "config", null));
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
