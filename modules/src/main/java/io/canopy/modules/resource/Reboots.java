package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import io.canopy.module.Timer;
import io.canopy.module.UserNames;
import io.canopy.modules.resource.RebootBook.State;
import io.canopy.modules.resource.RebootBook.Step;
import io.canopy.modules.resource.RebootBook.Wave;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code canopy resource reboot}: reboot nodes when they are idle, with a health gate, as Slurm's
 * {@code scontrol reboot ASAP nextstate=resume} does but without its races. Each node of a wave is
 * drained at once (source {@code reboot}: {@code draining} while jobs run, and no new job starts
 * there); once no job runs there and fewer than {@code --max-parallel} nodes of the wave are down,
 * its job-exec runs the node's reboot command through canopy-launch ({@code job-exec.reboot});
 * the leader then waits for the node to come back with a new boot id ({@code job-exec.info}), runs
 * its health check ({@code job-exec.health-check}) and, with {@code --resume}, clears the reboot
 * drain only if the check passed (never another source's drain). A node whose reboot command
 * fails, that does not come back within the timeout, or that fails its check stays drained with a
 * reason that says so. Every step is committed ({@link RebootBook}) and written to the resource
 * eventlog; a restarted leader goes on from where each node stood.
 *
 * <p>Driven by a tick every {@link #TICK} while a wave is active, on the module thread; the
 * answers it waits for come back there too.
 */
final class Reboots {
    static final Duration TICK = Duration.ofSeconds(1);
    private static final long ASK_PATIENCE = 10_000;
    /** Errors that say nothing about the reboot command: the node may be going down as it answers. */
    private static final Set<Integer> NO_ANSWER = Set.of(Errno.EHOSTUNREACH, Errno.EAGAIN, Errno.ETIMEDOUT,
            Errno.ECONNRESET, Errno.EIO);

    /** What a reboot needs from the rest of the module. */
    interface Hooks {
        /** The inventory, or null until it is known. */
        Inventory inventory();

        DrainSet drains();

        /** Drains {@code ranks} by {@code source} ({@code mode} for one already drained by it), journaled and announced. */
        void drain(List<Integer> ranks, DrainSource source, String reason, DrainMode mode, int userid, String by)
                throws RpcException;

        /** Clears {@code source}'s drain of {@code ranks} and nothing else; journaled and announced. */
        void release(List<Integer> ranks, DrainSource source, String reason, String by) throws RpcException;

        /** Refuses excluded targets, naming them. */
        void refuseExcluded(List<Integer> ranks) throws RpcException;

        /** Appends an eventlog entry. */
        void journal(String name, List<Integer> ranks, Map<String, Object> context);
    }

    private final ModuleContext ctx;
    private final Hooks hooks;
    private final RebootBook book;
    private Duration defaultTimeout;
    private Timer timer;
    /**
     * Nodes whose boot id is being asked right now, with when: an answer that has not come in
     * {@link #ASK_PATIENCE} (a request lost with a broker that went down) is asked again.
     */
    private final Map<Integer, Long> asking = new HashMap<>();
    /** Nodes this leader sent the reboot command to: a restarted leader sends it once more if the boot id never changed. */
    private final Set<Integer> commanded = new HashSet<>();
    /**
     * Nodes whose health check runs now, with when it was asked: an answer that has not come
     * within the check's own timeout and a margin (a request lost with a router that restarted)
     * is asked again.
     */
    private final Map<Integer, Long> checking = new HashMap<>();
    private long checkPatienceMs = Duration.ofMinutes(5).plusSeconds(30).toMillis();
    /** When this leader first saw a waiting node offline. */
    private final Map<Integer, Long> offlineSince = new HashMap<>();
    /** What each waiting node waits for, in words (not persisted: it changes every tick). */
    private final Map<Integer, String> notes = new HashMap<>();
    private boolean busyAsked;

    Reboots(ModuleContext ctx, Hooks hooks, Duration defaultTimeout) throws RpcException {
        this.ctx = ctx;
        this.hooks = hooks;
        this.book = new RebootBook(ctx.checkpoint());
        this.defaultTimeout = defaultTimeout;
    }

    void defaultTimeout(Duration d) {
        this.defaultTimeout = d;
    }

    /** {@code [resource] health_check_timeout}: how long a health check may rightly take. */
    void healthCheckTimeout(Duration d) {
        this.checkPatienceMs = d.plusSeconds(30).toMillis();
    }

    /** Starts ticking if a wave is active (at start, once the inventory is known). */
    void resume() {
        List<Wave> active = book.active();
        if (!active.isEmpty()) {
            ctx.log().info("resource: {} reboot wave(s) in progress (taken up where they were): {}", active.size(),
                    active.stream().map(w -> "wave " + w.id() + " " + Nodes.hosts(w.nodes().keySet(), hooks.inventory()))
                            .toList());
            ensureTicking();
        }
    }

    /** The reboot shown for a rank in {@code resource.status}, or null when no active wave holds it. */
    Map<String, Object> statusOf(int rank) {
        Wave w = book.holding(rank);
        if (w == null) {
            return null;
        }
        Step s = w.nodes().get(rank);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wave", w.id());
        m.put("state", s.state().wire());
        m.put("since", s.since());
        String note = notes.get(rank);
        m.put("note", note != null ? note : s.note());
        return Map.of("reboot", m);
    }

    // ---- requests ----

    /**
     * {@code resource.reboot} (owner): {@code {"targets", "reason", "whenIdle", "resume", "maxParallel",
     * "timeout"}}; answers {@code {"id", "ranks"}} once the nodes are drained for it.
     */
    void request(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Inventory inv = hooks.inventory();
        if (inv == null) {
            throw new RpcException(Errno.EAGAIN, "the resource module is still starting; try again");
        }
        List<Integer> ranks = List.copyOf(Targets.resolve(b.path("targets").asText(""), inv));
        String reason = b.path("reason").asText("");
        boolean whenIdle = b.path("whenIdle").asBoolean(false);
        boolean resume = b.path("resume").asBoolean(false);
        int maxParallel = b.path("maxParallel").asInt(0);
        if (maxParallel < 0) {
            throw new RpcException(Errno.EINVAL, "--max-parallel " + maxParallel + " is below 0 (0: no bound)");
        }
        Duration timeout = b.hasNonNull("timeout") ? parse(b.path("timeout").asText()) : defaultTimeout;
        hooks.refuseExcluded(ranks);
        Map<Long, List<Integer>> taken = new TreeMap<>();
        for (int r : ranks) {
            Wave w = book.holding(r);
            if (w != null) {
                taken.computeIfAbsent(w.id(), k -> new ArrayList<>()).add(r);
            }
        }
        if (!taken.isEmpty()) {
            var e = taken.entrySet().iterator().next();
            throw new RpcException(Errno.EEXIST, Nodes.describe(e.getValue(), inv) + " already in reboot wave " + e.getKey()
                    + "; nothing was changed (`canopy resource reboot` lists the waves)");
        }
        if (whenIdle) {
            begin(req, ranks, reason, whenIdle, resume, maxParallel, timeout);
            return;
        }
        ctx.rpc(0, "sched.busy", Map.of()).whenComplete((resp, err) -> {
            try {
                JsonNode busy = err == null ? resp.payloadTree().path("busy") : null;
                List<String> held = new ArrayList<>();
                for (int r : ranks) {
                    List<Long> jobs = NodeStatus.jobs(busy, r);
                    if (!jobs.isEmpty()) {
                        held.add(Nodes.describe(List.of(r), inv) + " runs job" + (jobs.size() == 1 ? " " : "s ")
                                + String.join(",", jobs.stream().map(String::valueOf).toList()));
                    }
                }
                if (!held.isEmpty()) {
                    req.respondError(Errno.EBUSY, String.join("; ", held) + ": add --when-idle to reboot "
                            + (held.size() == 1 ? "it" : "them") + " once the jobs end (no new job starts there "
                            + "meanwhile), or cancel the jobs; nothing was changed");
                    return;
                }
                begin(req, ranks, reason, whenIdle, resume, maxParallel, timeout);
            } catch (RpcException e) {
                req.respondError(e.errnum(), e.getMessage());
            }
        });
    }

    private void begin(Request req, List<Integer> ranks, String reason, boolean whenIdle, boolean resume, int maxParallel,
            Duration timeout) throws RpcException {
        double now = now();
        TreeMap<Integer, Step> nodes = new TreeMap<>();
        ranks.forEach(r -> nodes.put(r, new Step(State.WAITING, now, null, "drained for the reboot")));
        Wave w = new Wave(book.nextId(), reason, req.userid(), UserNames.of(req.userid()), now, whenIdle, resume,
                maxParallel, timeout.toMillis(), nodes, null);
        book.add(w); // staged: committed with the drain below
        try {
            hooks.drain(ranks, DrainSource.REBOOT, reason, DrainMode.FORCE_OVERWRITE, req.userid(), "reboot");
        } catch (RpcException e) {
            throw new RpcException(e.errnum(), "cannot start the reboot: " + e.getMessage());
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("wave", w.id());
        c.put("user", w.user());
        c.put("reason", reason);
        c.put("when_idle", whenIdle);
        c.put("resume", resume);
        c.put("max_parallel", maxParallel);
        c.put("timeout", io.canopy.module.Durations.format(timeout));
        hooks.journal("reboot", ranks, c);
        ctx.log().info("resource: reboot wave {} for uid {}: {}{}{}{}: {}", w.id(), req.userid(),
                Nodes.describe(ranks, hooks.inventory()), whenIdle ? ", when idle" : "", resume ? ", then resume" : "",
                maxParallel > 0 ? ", at most " + maxParallel + " at once" : "", reason.isEmpty() ? "no reason given" : reason);
        req.respond(Map.of("id", w.id(), "ranks", ranks));
        ensureTicking();
        tick();
    }

    /** {@code resource.reboot-status} (user): {@code {"id"}} for one wave, else all kept, oldest first. */
    void status(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Wave w : book.all()) {
            if (!b.has("id") || b.path("id").asLong() == w.id()) {
                out.add(RebootBook.view(w, hooks.inventory(), notes));
            }
        }
        if (b.has("id") && out.isEmpty()) {
            throw new RpcException(Errno.ENOENT, "no reboot wave " + b.path("id").asLong() + " (the last "
                    + RebootBook.KEEP_FINISHED + " finished waves are kept)");
        }
        req.respond(Map.of("waves", out));
    }

    // ---- the tick ----

    private void ensureTicking() {
        if (timer == null) {
            timer = ctx.scheduleAtFixedRate(TICK, this::tick);
        }
    }

    private void tick() {
        Inventory inv = hooks.inventory();
        if (inv == null) {
            return;
        }
        List<Wave> active = book.active();
        if (active.isEmpty()) {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            return;
        }
        if (busyAsked) {
            return; // the last tick's question is still out
        }
        busyAsked = true;
        ctx.rpc(0, "sched.busy", Map.of()).whenComplete((resp, err) -> {
            busyAsked = false;
            JsonNode busy;
            try {
                if (err != null) {
                    throw err;
                }
                busy = resp.payloadTree().path("busy");
            } catch (Throwable e) {
                ctx.log().debug("resource: sched.busy failed ({}); the reboots wait", e.getMessage());
                return;
            }
            for (Wave w : book.active()) {
                try {
                    advance(w, busy);
                } catch (RpcException e) {
                    ctx.log().error("resource: reboot wave {}: {}", w.id(), e.getMessage());
                }
            }
        });
    }

    private void advance(Wave w, JsonNode busy) throws RpcException {
        Inventory inv = hooks.inventory();
        long now = System.currentTimeMillis();
        List<Integer> idle = new ArrayList<>();
        for (Map.Entry<Integer, Step> e : new ArrayList<>(w.nodes().entrySet())) {
            int r = e.getKey();
            Step s = e.getValue();
            boolean online = inv.effective(r).equals("online");
            switch (s.state()) {
                case WAITING -> {
                    if (hooks.drains().get(r, DrainSource.REBOOT) == null) {
                        book.step(w.id(), r, s.to(State.CANCELED, now(), "its reboot drain was cleared before the reboot "
                                + "began (undrained)"));
                        hooks.journal("reboot-canceled", List.of(r), Map.of("wave", w.id(), "reason", "undrained"));
                        notes.remove(r);
                        continue;
                    }
                    List<Long> jobs = NodeStatus.jobs(busy, r);
                    if (!jobs.isEmpty()) {
                        offlineSince.remove(r);
                        notes.put(r, "waiting on " + (jobs.size() == 1 ? "job " : "jobs ")
                                + String.join(",", jobs.stream().map(String::valueOf).toList()));
                    } else if (!online && now - offlineSince.computeIfAbsent(r, k -> now) > w.timeoutMs()) {
                        fail(w, r, Nodes.describe(List.of(r), inv) + " was " + inv.effective(r) + " for "
                                + io.canopy.module.Durations.format(Duration.ofMillis(w.timeoutMs()))
                                + " before its reboot could begin");
                    } else {
                        if (online) {
                            offlineSince.remove(r);
                        }
                        // a node the overlay shows offline may still answer (a restarted leader's view of the
                        // ranks below its children can be stale): its job-exec is asked all the same
                        idle.add(r);
                    }
                }
                case REBOOTING -> {
                    if (now - (long) (s.since() * 1000) > w.timeoutMs()) {
                        fail(w, r, Nodes.describe(List.of(r), inv) + " did not come back with a new boot id within "
                                + io.canopy.module.Durations.format(Duration.ofMillis(w.timeoutMs()))
                                + " of its reboot command");
                    } else if (!asked(r, now)) {
                        askBootId(w, r, s); // whatever the overlay shows: its answer is the proof
                    }
                }
                case CHECKING -> {
                    if (now - (long) (s.since() * 1000) > w.timeoutMs()) {
                        fail(w, r, "its health check did not finish within "
                                + io.canopy.module.Durations.format(Duration.ofMillis(w.timeoutMs())) + " of its return");
                    } else if (!checking.containsKey(r) || now - checking.get(r) > checkPatienceMs) {
                        healthCheck(w, r);
                    }
                }
                default -> {
                }
            }
        }
        long down = w.nodes().values().stream().filter(x -> x.state().down()).count()
                + idle.stream().filter(r -> asked(r, now)).count();
        Set<Integer> busyLine = new HashSet<>(); // nodes down (or going down) in any wave
        for (Wave any : book.active()) {
            any.nodes().forEach((r, x) -> {
                if (x.state().down()) {
                    busyLine.add(r);
                }
            });
        }
        busyLine.addAll(asking.keySet());
        for (int r : idle) {
            if (asked(r, now)) {
                continue;
            }
            if (w.maxParallel() > 0 && down >= w.maxParallel()) {
                notes.put(r, "idle; waiting for a slot (at most " + w.maxParallel() + " down at once)");
                continue;
            }
            // a router and a node below it are never down together: the one below could not be told
            // to reboot, nor be checked, while the router is away
            Integer blocker = related(r, busyLine, inv);
            if (blocker != null) {
                notes.put(r, "idle; waiting for " + inv.host(blocker) + (inv.parent(r) >= 0 && isAncestor(blocker, r, inv)
                        ? ", its router," : ", below it,") + " to be back");
                continue;
            }
            down++;
            busyLine.add(r);
            startReboot(w, r);
        }
        Wave now2 = book.get(w.id());
        if (now2.nodes().values().stream().allMatch(x -> x.state().over())) {
            book.finish(w.id(), now());
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("wave", w.id());
            c.put("done", now2.count(State.DONE));
            c.put("failed", now2.count(State.FAILED));
            c.put("canceled", now2.count(State.CANCELED));
            hooks.journal("reboot-finished", List.copyOf(now2.nodes().keySet()), c);
            ctx.log().info("resource: reboot wave {} finished: {} done, {} failed, {} canceled", w.id(),
                    now2.count(State.DONE), now2.count(State.FAILED), now2.count(State.CANCELED));
        }
    }

    /** A node of {@code set} that is {@code r}'s ancestor or descendant, or null. */
    private static Integer related(int r, Set<Integer> set, Inventory inv) {
        for (int x : set) {
            if (x != r && (isAncestor(x, r, inv) || isAncestor(r, x, inv))) {
                return x;
            }
        }
        return null;
    }

    private static boolean isAncestor(int a, int r, Inventory inv) {
        for (int p = inv.parent(r); p >= 0; p = inv.parent(p)) {
            if (p == a) {
                return true;
            }
        }
        return false;
    }

    /** True while a question to the node is out and not yet given up on. */
    private boolean asked(int r, long now) {
        Long at = asking.get(r);
        return at != null && now - at < ASK_PATIENCE;
    }

    /** Asks the node's boot id, then has it run its reboot command. */
    private void startReboot(Wave w, int r) {
        long at = System.currentTimeMillis();
        asking.put(r, at);
        notes.put(r, "asking its boot id");
        ctx.rpc(r, "job-exec.info", Map.of()).whenComplete((resp, err) -> {
            try {
                if (err != null) {
                    throw err;
                }
                Step was = book.get(w.id()) == null ? null : book.get(w.id()).nodes().get(r);
                if (was == null || was.state() != State.WAITING) {
                    return; // a late answer: the node has moved on meanwhile
                }
                String bootId = resp.payloadTree().path("bootId").asText("");
                if (bootId.isEmpty() || bootId.startsWith("unknown")) {
                    asking.remove(r, at);
                    fail(w, r, hooks.inventory().host(r) + " cannot tell its boot id (" + (bootId.isEmpty()
                            ? "its broker is of an older release, which cannot reboot through Canopy: update it by hand"
                            : bootId) + "); not rebooted");
                    return;
                }
                Step s = new Step(State.REBOOTING, now(), bootId, "reboot command sent");
                book.step(w.id(), r, s); // committed before the command: a restarted leader knows to wait for it
                hooks.journal("reboot-start", List.of(r), Map.of("wave", w.id(), "boot_id", bootId));
                notes.remove(r);
                asking.remove(r, at);
                command(w, r);
            } catch (Throwable e) {
                asking.remove(r, at);
                boolean up = hooks.inventory().effective(r).equals("online");
                notes.put(r, up ? "cannot start its reboot yet: " + e.getMessage()
                        : "waiting for it to answer (" + hooks.inventory().effective(r) + ")");
                (up ? ctx.log().atWarn() : ctx.log().atDebug()).log("resource: cannot start the reboot of {}: {}; "
                        + "trying again", hooks.inventory().host(r), e.getMessage());
            }
        });
    }

    /**
     * Has the node run its reboot command. Its answer may never come (the node goes down as it
     * answers): only a failure it reports changes anything.
     */
    private void command(Wave w, int r) {
        commanded.add(r);
        ctx.rpc(r, "job-exec.reboot", Map.of()).whenComplete((resp, err) -> {
            try {
                if (err != null) {
                    if (err instanceof RpcException e && !NO_ANSWER.contains(e.errnum())) {
                        fail(w, r, e.getMessage()); // refused: no reboot command, not root's, busy, ...
                    } else {
                        // not delivered, or the node went down as it answered: its boot id will tell,
                        // and the same boot id once it answers again means the command is sent again
                        commanded.remove(r);
                        ctx.log().info("resource: {}'s reboot command: no answer ({}); its boot id will tell",
                                hooks.inventory().host(r), err.getMessage());
                    }
                    return;
                }
                JsonNode a = resp.payloadTree();
                if (a.path("status").asInt(0) != 0) {
                    fail(w, r, "its reboot command failed: exit " + a.path("status").asInt() + firstLine(a.path("output").asText("")));
                }
            } catch (RpcException e) {
                ctx.log().error("resource: {}: {}", hooks.inventory().host(r), e.getMessage());
            }
        });
    }

    /** A rebooting node answers: a new boot id means it rebooted; the same one after a leader restart, ask again. */
    private void askBootId(Wave w, int r, Step s) {
        long at = System.currentTimeMillis();
        asking.put(r, at);
        ctx.rpc(r, "job-exec.info", Map.of()).whenComplete((resp, err) -> {
            asking.remove(r, at);
            try {
                if (err != null) {
                    throw err;
                }
                Step now = book.get(w.id()).nodes().get(r);
                if (now.state() != State.REBOOTING) {
                    return;
                }
                String bootId = resp.payloadTree().path("bootId").asText("");
                if (!bootId.equals(s.bootId())) {
                    double took = now() - s.since();
                    book.step(w.id(), r, now.to(State.CHECKING, now(), "back after " + String.format("%.1f", took) + "s"));
                    hooks.journal("rebooted", List.of(r), Map.of("wave", w.id(), "boot_id", bootId, "was", s.bootId(),
                            "seconds", Math.round(took * 10) / 10.0));
                    ctx.log().info("resource: {} is back from its reboot (boot id {}), {} s after its reboot command",
                            hooks.inventory().host(r), bootId, String.format("%.1f", took));
                    healthCheck(w, r);
                } else if (!commanded.contains(r)) {
                    ctx.log().info("resource: {} has not rebooted yet and this leader never sent it the reboot command "
                            + "(it restarted since): sending it again", hooks.inventory().host(r));
                    command(w, r);
                }
            } catch (Throwable e) {
                ctx.log().debug("resource: boot id of {}: {}", hooks.inventory().host(r), e.getMessage());
            }
        });
    }

    /** The health gate: the node is undrained (with --resume) only if its check passes. */
    private void healthCheck(Wave w, int r) {
        long asked = System.currentTimeMillis();
        checking.put(r, asked);
        ctx.rpc(r, "job-exec.health-check", Map.of()).whenComplete((resp, err) -> {
            checking.remove(r, asked);
            try {
                if (err != null) {
                    throw err;
                }
                Wave wave = book.get(w.id());
                if (wave == null || wave.nodes().get(r).state() != State.CHECKING) {
                    return;
                }
                JsonNode a = resp.payloadTree();
                boolean configured = a.path("configured").asBoolean(true);
                int status = a.path("status").asInt(0);
                String host = hooks.inventory().host(r);
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("wave", w.id());
                c.put("configured", configured);
                c.put("status", status);
                c.put("output", a.path("output").asText("").strip());
                hooks.journal("health-check", List.of(r), c);
                if (status != 0) {
                    String why = "health check failed on " + host + " after its reboot: exit " + status
                            + firstLine(a.path("output").asText(""));
                    book.step(w.id(), r, wave.nodes().get(r).to(State.FAILED, now(), why));
                    hooks.drain(List.of(r), DrainSource.HEALTH, why, DrainMode.FORCE_OVERWRITE, ctx.ownerUid(), "reboot");
                    hooks.release(List.of(r), DrainSource.REBOOT, "the reboot is over; the health check holds it", "reboot");
                    ctx.log().warn("resource: {}", why);
                    return;
                }
                String how = configured ? "health check passed" : "no health check configured";
                book.step(w.id(), r, wave.nodes().get(r).to(State.DONE, now(), "rebooted; " + how));
                if (wave.resume()) {
                    hooks.release(List.of(r), DrainSource.REBOOT, "back from its reboot; " + how, "reboot");
                } else {
                    hooks.drain(List.of(r), DrainSource.REBOOT, wave.reason() + (wave.reason().isEmpty() ? "" : ": ")
                            + "rebooted (" + how + "); undrain it when satisfied", DrainMode.OVERWRITE, wave.userid(),
                            "reboot");
                }
            } catch (Throwable e) {
                ctx.log().debug("resource: health check of {}: {}; asking again", hooks.inventory().host(r), e.getMessage());
            }
        });
    }

    /** The node stays drained (by the reboot), with a reason that says what went wrong. */
    private void fail(Wave w, int r, String why) throws RpcException {
        Step s = book.get(w.id()).nodes().get(r);
        book.step(w.id(), r, s.to(State.FAILED, now(), why));
        notes.remove(r);
        hooks.journal("reboot-failed", List.of(r), Map.of("wave", w.id(), "reason", why));
        if (hooks.drains().get(r, DrainSource.REBOOT) != null) {
            hooks.drain(List.of(r), DrainSource.REBOOT, "reboot failed: " + why + (w.reason().isEmpty() ? ""
                    : " (" + w.reason() + ")"), DrainMode.OVERWRITE, w.userid(), "reboot");
        }
        ctx.log().warn("resource: reboot of {} failed: {}; it stays drained", hooks.inventory().host(r), why);
    }

    private static String firstLine(String output) {
        String t = output.strip();
        int nl = t.indexOf('\n');
        t = nl < 0 ? t : t.substring(0, nl);
        return t.isEmpty() ? "" : ": " + (t.length() > 200 ? t.substring(0, 200) + "…" : t);
    }

    static Duration parse(String text) throws RpcException {
        try {
            Duration d = io.canopy.module.Durations.parse("timeout", text);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("must be longer than zero");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new RpcException(Errno.EINVAL, "reboot timeout '" + text + "': " + e.getMessage()
                    + " (give a duration such as 15m)");
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** Ranks of {@code w} in {@code s}, for tests and logs. */
    static TreeSet<Integer> in(Wave w, State s) {
        TreeSet<Integer> out = new TreeSet<>();
        w.nodes().forEach((r, x) -> {
            if (x.state() == s) {
                out.add(r);
            }
        });
        return out;
    }
}
