package io.canopy.modules.sched;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.BrokerModule;
import io.canopy.module.Event;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The scheduler: FIFO with first fit over nodes and cores. It holds no durable state: job-manager
 * owns the jobs and tells the scheduler, when either starts, which allocations exist
 * ({@code sched.hello}). It learns which nodes may take work from the resource module (status,
 * drains, exclusions) and each node's cores from that node's job-exec.
 *
 * <p>Topics (owner, rank 0): {@code sched.feasible}, {@code sched.alloc}, {@code sched.cancel},
 * {@code sched.free}, {@code sched.hello}, {@code sched.busy}, {@code sched.status}; see docs/jobs.md. Events consumed:
 * {@code resource.drain}, {@code resource.undrain}, {@code resource.status}. Idle on other ranks.
 */
public final class SchedModule implements BrokerModule {
    private static final Duration RETRY = Duration.ofSeconds(1);

    private record Pending(long id, int nnodes, int ntasks, Request request) {}

    private ModuleContext ctx;
    private final TreeMap<Integer, NodeView> nodes = new TreeMap<>();
    private final Map<Long, Map<Integer, Integer>> allocations = new HashMap<>();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<Request> early = new ArrayList<>();
    private final java.util.Set<Integer> asking = new java.util.HashSet<>();
    private boolean known;
    private boolean refreshing;
    private boolean refreshAgain;

    @Override
    public String name() {
        return "sched";
    }

    @Override
    public void start(ModuleContext context) {
        this.ctx = context;
        if (ctx.rank() != 0) {
            return;
        }
        ctx.subscribe("resource.drain", e -> setDrained(e, true));
        ctx.subscribe("resource.undrain", e -> setDrained(e, false));
        ctx.subscribe("resource.status", this::onStatus);
        ctx.subscribe("resource.exclude", e -> refresh()); // a config reload changed the excluded nodes
        ctx.serve("sched.feasible", this::feasible);
        ctx.serve("sched.alloc", this::alloc);
        ctx.serve("sched.cancel", this::cancel);
        ctx.serve("sched.free", this::free);
        ctx.serve("sched.hello", this::hello);
        ctx.serve("sched.busy", this::busy);
        ctx.serve("sched.status", this::status);
        ctx.publish("sched.online", java.util.Map.of()); // job-manager answers with the allocations that exist
        refresh();
    }

    /** Jobs still waiting are told the scheduler stopped; job-manager asks the next one again. */
    @Override
    public void stop() {
        for (Pending p : queue) {
            p.request().respondError(Errno.EAGAIN, "the scheduler stopped before job " + p.id()
                    + " got resources; job-manager asks again once it is back");
        }
        queue.clear();
    }

    // ---- what the nodes are ----

    /** Asks the resource module for every node's status, drain and exclusion; one request at a time. */
    private void refresh() {
        if (refreshing) {
            refreshAgain = true;
            return;
        }
        refreshing = true;
        ctx.rpc(0, "resource.status", Map.of()).whenComplete((resp, err) -> {
            refreshing = false;
            if (err != null) {
                ctx.log().debug("sched: resource.status failed ({}); asking again in {}", err.getMessage(), RETRY);
                ctx.schedule(RETRY, this::refresh);
                return;
            }
            try {
                apply(resp.payloadTree());
            } catch (RpcException e) {
                ctx.log().error("sched: unreadable resource.status: {}", e.getMessage());
            }
            if (refreshAgain) {
                refreshAgain = false;
                refresh();
            }
        });
    }

    private void apply(JsonNode status) {
        for (JsonNode n : status.path("nodes")) {
            int rank = n.path("rank").asInt();
            NodeView old = nodes.get(rank);
            boolean up = n.path("state").asText().equals("online");
            boolean drained = n.hasNonNull("drain") && !n.path("drain").isEmpty();
            boolean excluded = n.path("excluded").asBoolean(false);
            nodes.put(rank, new NodeView(rank, old == null ? 0 : old.cores(), old == null ? 0 : old.used(), up,
                    drained, excluded));
        }
        if (!known) {
            known = true;
            ctx.log().info("sched: {} node(s) known; {} excluded", nodes.size(),
                    nodes.values().stream().filter(NodeView::excluded).count());
            List<Request> waiting = new ArrayList<>(early);
            early.clear();
            for (Request r : waiting) {
                dispatch(r);
            }
        }
        askCores();
        schedule();
    }

    /** Asks job-exec on every node that is up for its cores, once each. */
    private void askCores() {
        for (NodeView n : nodes.values()) {
            if (n.up() && n.cores() == 0 && !n.excluded() && asking.add(n.rank())) {
                int rank = n.rank();
                ctx.rpc(rank, "job-exec.info", Map.of()).whenComplete((resp, err) -> {
                    asking.remove(rank);
                    if (err != null) {
                        ctx.log().debug("sched: job-exec.info on rank {} failed: {}", rank, err.getMessage());
                        ctx.schedule(RETRY, this::askCores);
                        return;
                    }
                    try {
                        int cores = resp.payloadTree().path("cores").asInt(0);
                        NodeView v = nodes.get(rank);
                        nodes.put(rank, new NodeView(rank, cores, v.used(), v.up(), v.drained(), v.excluded()));
                        ctx.log().debug("sched: rank {} has {} cores", rank, cores);
                        schedule();
                    } catch (RpcException e) {
                        ctx.log().error("sched: unreadable job-exec.info from rank {}: {}", rank, e.getMessage());
                    }
                });
            }
        }
    }

    private void setDrained(Event e, boolean drained) throws RpcException {
        for (JsonNode r : e.payloadTree().path("ranks")) {
            NodeView v = nodes.get(r.asInt());
            if (v != null) {
                nodes.put(v.rank(), new NodeView(v.rank(), v.cores(), v.used(), v.up(), drained, v.excluded()));
            }
        }
        schedule();
    }

    private void onStatus(Event e) throws RpcException {
        JsonNode b = e.payloadTree();
        NodeView v = nodes.get(b.path("rank").asInt(-1));
        if (v != null && !b.path("status").asText().equals("online")) {
            nodes.put(v.rank(), new NodeView(v.rank(), v.cores(), v.used(), false, v.drained(), v.excluded()));
        }
        refresh(); // the whole view: a lost node takes the ranks below it with it
    }

    // ---- requests ----

    /** Requests that need the node view wait until it is known. */
    private boolean deferred(Request r) {
        if (!known) {
            early.add(r);
            return true;
        }
        return false;
    }

    private void dispatch(Request r) {
        try {
            switch (r.topic()) {
                case "sched.feasible" -> feasible(r);
                case "sched.alloc" -> alloc(r);
                default -> r.respondError(Errno.ENOSYS, "unexpected deferred request " + r.topic());
            }
        } catch (RpcException e) {
            r.respondError(e.errnum(), e.getMessage());
        }
    }

    private void feasible(Request r) throws RpcException {
        if (deferred(r)) {
            return;
        }
        JsonNode b = r.payloadTree();
        Optional<String> why = FirstFit.never(List.copyOf(nodes.values()), b.path("nnodes").asInt(0),
                b.path("ntasks").asInt(1));
        if (why.isPresent()) {
            throw new RpcException(Errno.ENOSPC, why.get());
        }
        r.respond(Map.of());
    }

    private void alloc(Request r) throws RpcException {
        if (deferred(r)) {
            return;
        }
        JsonNode b = r.payloadTree();
        long id = b.path("id").asLong();
        Map<Integer, Integer> held = allocations.get(id);
        if (held != null) { // asked again (a job-manager that restarted): the same answer, never a second allocation
            r.respond(Map.of("ranks", stringKeys(held)));
            return;
        }
        Pending p = new Pending(id, b.path("nnodes").asInt(0), Math.max(1, b.path("ntasks").asInt(1)), r);
        List<Pending> kept = new ArrayList<>();
        boolean replaced = false;
        for (Pending q : queue) {
            if (q.id() == id) { // asked again while waiting: the newer request takes the older one's place
                q.request().respondError(Errno.ECANCELED, "job " + id + " was asked for again; the newer request counts");
                kept.add(p);
                replaced = true;
            } else {
                kept.add(q);
            }
        }
        if (!replaced) {
            kept.add(p);
        }
        queue.clear();
        queue.addAll(kept);
        schedule();
    }

    private static Map<String, Integer> stringKeys(Map<Integer, Integer> m) {
        Map<String, Integer> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(Integer.toString(k), v));
        return out;
    }

    private void cancel(Request r) throws RpcException {
        long id = r.payloadTree().path("id").asLong();
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.id() == id) {
                it.remove();
                p.request().respondError(Errno.ECANCELED, "job " + id + " was canceled before it got resources");
            }
        }
        r.respond(Map.of());
        schedule();
    }

    private void free(Request r) throws RpcException {
        long id = r.payloadTree().path("id").asLong();
        Map<Integer, Integer> a = allocations.remove(id);
        if (a != null) {
            a.forEach((rank, n) -> use(rank, -n));
        }
        r.respond(Map.of());
        schedule();
    }

    private void hello(Request r) throws RpcException {
        int count = 0;
        for (JsonNode j : r.payloadTree().path("jobs")) {
            long id = j.path("id").asLong();
            if (allocations.containsKey(id)) {
                continue;
            }
            Map<Integer, Integer> a = new LinkedHashMap<>();
            j.path("ranks").fields().forEachRemaining(f -> a.put(Integer.parseInt(f.getKey()), f.getValue().asInt()));
            allocations.put(id, a);
            a.forEach(this::use);
            count++;
        }
        ctx.log().info("sched: {} running allocation(s) announced by job-manager", count);
        r.respond(Map.of());
    }

    private void busy(Request r) {
        Map<String, List<Long>> busy = new TreeMap<>();
        allocations.forEach((id, a) -> a.keySet().forEach(rank ->
                busy.computeIfAbsent(Integer.toString(rank), k -> new ArrayList<>()).add(id)));
        busy.values().forEach(l -> l.sort(null));
        r.respond(Map.of("busy", busy));
    }

    /** The scheduler's own view, to see why the head of the queue waits: its nodes and its queue. */
    private void status(Request r) {
        List<Map<String, Object>> ns = new ArrayList<>();
        for (NodeView n : nodes.values()) {
            ns.add(Map.of("rank", n.rank(), "cores", n.cores(), "used", n.used(), "up", n.up(), "drained", n.drained(),
                    "excluded", n.excluded(), "asking", asking.contains(n.rank())));
        }
        List<Map<String, Object>> q = new ArrayList<>();
        for (Pending p : queue) {
            q.add(Map.of("id", p.id(), "nnodes", p.nnodes(), "ntasks", p.ntasks()));
        }
        r.respond(Map.of("known", known, "refreshing", refreshing, "nodes", ns, "queue", q));
    }

    // ---- the FIFO ----

    private void use(int rank, int cores) {
        NodeView v = nodes.get(rank);
        if (v == null) {
            v = new NodeView(rank, 0, 0, false, false, false);
        }
        nodes.put(rank, new NodeView(rank, v.cores(), Math.max(0, v.used() + cores), v.up(), v.drained(), v.excluded()));
    }

    /** Starts jobs from the head of the queue while they fit; the first that does not fit waits. */
    private void schedule() {
        if (!known) {
            return;
        }
        while (!queue.isEmpty()) {
            Pending p = queue.peek();
            List<NodeView> view = List.copyOf(nodes.values());
            Optional<Map<Integer, Integer>> placed = FirstFit.place(view, p.nnodes(), p.ntasks());
            if (placed.isEmpty()) {
                Optional<String> never = FirstFit.never(view, p.nnodes(), p.ntasks());
                if (never.isEmpty()) {
                    return; // FIFO: later jobs wait behind this one
                }
                queue.poll();
                p.request().respondError(Errno.ENOSPC, never.get());
                continue;
            }
            queue.poll();
            Map<Integer, Integer> a = placed.get();
            allocations.put(p.id(), a);
            a.forEach(this::use);
            Map<String, Integer> ranks = new LinkedHashMap<>();
            a.forEach((rank, n) -> ranks.put(Integer.toString(rank), n));
            p.request().respond(Map.of("ranks", ranks));
        }
    }
}
