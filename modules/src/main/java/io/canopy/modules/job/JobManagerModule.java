package io.canopy.modules.job;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The job manager: accepts jobs, keeps their records and eventlogs committed at the leader, and
 * moves each job through DEPEND, SCHED, RUN, CLEANUP and INACTIVE by asking the scheduler for
 * resources and job-exec on each node to run the tasks. It never runs a job twice: a job that was
 * running when the leader went away is reattached when it returns, never started again.
 *
 * <p>Topics and messages: docs/jobs.md. Events consumed: {@code overlay.peer-status} (a lost node
 * fails its jobs), {@code sched.online} (the scheduler restarted: tell it the allocations).
 * Config: {@code inactive_limit} (inactive jobs kept; 10000). Idle on ranks other than 0.
 */
public final class JobManagerModule implements BrokerModule {
    private static final Duration RETRY = Duration.ofSeconds(1);

    private ModuleContext ctx;
    private JobStore store;
    private final Watchers watchers = new Watchers();
    private final Map<String, Long> keys = new HashMap<>();
    private final List<String> hosts = new ArrayList<>();
    private int inactiveLimit;
    private int inactiveCount;
    /** Jobs of users other than the instance owner can run although brokers are not root (a launcher socket). */
    private boolean otherUsers;
    private boolean schedReady; // the scheduler knows the allocations that exist: new ones may be asked for
    private boolean stopped; // the module is stopping: answers that arrive now change nothing

    @Override
    public String name() {
        return "job-manager";
    }

    @Override
    public void start(ModuleContext context) throws Exception {
        this.ctx = context;
        if (ctx.rank() != 0) {
            return;
        }
        inactiveLimit = Math.max(1, ctx.config().getInt("inactive_limit", 10_000));
        otherUsers = Boolean.parseBoolean(ctx.config().get("other_users", "false"));
        store = new JobStore(ctx);
        for (Job j : store.all().values()) {
            if (j.spec().key() != null) {
                keys.put(j.spec().key(), j.id());
            }
            if (!j.state().active()) {
                inactiveCount++;
            }
        }
        ctx.serve("job-manager.submit", Access.USER, this::submit);
        ctx.serve("job-manager.list", Access.USER, this::list);
        ctx.serve("job-manager.stats", Access.USER, r -> r.respond(JobStats.of(store.all().values())));
        ctx.serve("job-manager.info", Access.USER, r -> r.respond(JobView.of(job(r), this::host)));
        ctx.serve("job-manager.eventlog", Access.USER, r -> r.respond(Map.of("events", job(r).events())));
        ctx.serve("job-manager.wait", Access.USER, this::await);
        ctx.serve("job-manager.attach", Access.USER, this::attach);
        ctx.serve("job-manager.cancel", Access.USER, this::cancel);
        ctx.serve("job-manager.exec-output", Access.OWNER, this::execOutput);
        ctx.serve("job-manager.exec-finished", Access.OWNER, this::execFinished);
        ctx.serve("job-manager.exec-released", Access.OWNER, this::execReleased);
        ctx.serve("job-manager.exec-exception", Access.OWNER, this::execException);
        ctx.subscribe("overlay.peer-status", this::onPeerStatus);
        ctx.subscribe("sched.online", e -> {
            // a scheduler that (re)started knows nothing of what its predecessor was asked
            for (Job j : store.all().values()) {
                if (j.state() == JobState.SCHED && j.pending == Job.Pending.ALLOC) {
                    j.pending = Job.Pending.NONE;
                    j.allocAttempt++; // a late answer from the old scheduler is ignored
                }
            }
            schedReady = false;
            hello();
        });
        ctx.rpc(0, "overlay.topology", null).thenAccept(resp -> {
            try {
                for (JsonNode r : resp.payloadTree().path("ranks")) {
                    int rank = r.path("rank").asInt();
                    while (hosts.size() <= rank) {
                        hosts.add(null);
                    }
                    hosts.set(rank, r.path("host").asText());
                }
            } catch (RpcException e) {
                ctx.log().warn("job-manager: unreadable overlay.topology: {}", e.getMessage());
            }
        });
        recover();
    }

    /** Commits what changed (the store commits lazily); answers that arrive from now on are ignored. */
    @Override
    public void stop() {
        if (store == null) {
            return;
        }
        store.flush();
        stopped = true;
    }

    // ---- after a restart ----

    /** Takes up the jobs committed before: running ones are reattached, never started again. */
    private void recover() {
        int running = 0;
        int queued = 0;
        hello();
        Map<Integer, List<Long>> byRank = new TreeMap<>();
        for (Job j : store.all().values()) {
            switch (j.state()) {
                case DEPEND, SCHED -> {
                    if (j.state() == JobState.DEPEND) {
                        post(j, "depend", Map.of());
                    }
                    queued++;
                    advance(j);
                }
                case RUN, CLEANUP -> {
                    if (j.state() == JobState.RUN) {
                        running++;
                        raise(j, "service-restart", 1, "the service brokers restarted while the job ran; it kept running");
                    }
                    if (j.state() == JobState.RUN && !j.started()) {
                        resumeStart(j); // the leader went away between the job's alloc and its start
                        continue;
                    }
                    j.holding().forEach(r -> byRank.computeIfAbsent(r, k -> new ArrayList<>()).add(j.id()));
                    advance(j);
                }
                default -> { }
            }
        }
        byRank.forEach(this::reattach);
        ctx.log().info("job-manager: {} job(s) restored: {} running (reattached), {} waiting for resources, {} inactive",
                store.all().size(), running, queued, inactiveCount);
    }

    /** Tells the scheduler which allocations exist (at start, and when it restarts). */
    private void hello() {
        List<Map<String, Object>> held = new ArrayList<>();
        for (Job j : store.all().values()) {
            if (j.state().active() && !j.alloc().isEmpty() && !j.freed()) {
                held.add(Map.of("id", j.id(), "ranks", stringKeys(j.alloc())));
            }
        }
        ctx.rpc(0, "sched.hello", Map.of("jobs", held)).whenComplete((r, err) -> {
            if (stopped) {
                return;
            }
            if (err != null) {
                ctx.log().debug("job-manager: sched.hello failed ({}); trying again in {}", err.getMessage(), RETRY);
                ctx.schedule(RETRY, this::hello);
                return;
            }
            schedReady = true;
            for (Job j : List.copyOf(store.all().values())) {
                if (j.state() == JobState.SCHED) {
                    advance(j);
                }
            }
        });
    }

    /** Asks {@code rank}'s job-exec whether it still holds these jobs; a job it forgot cannot finish. */
    private void reattach(int rank, List<Long> ids) {
        ctx.rpc(rank, "job-exec.status", Map.of("ids", ids)).whenComplete((resp, err) -> {
            if (stopped) {
                return;
            }
            if (err != null) {
                List<Long> still = ids.stream().filter(id -> store.get(id) != null && store.get(id).holds(rank)).toList();
                if (!still.isEmpty()) {
                    ctx.log().debug("job-manager: job-exec.status on rank {} failed ({}); asking again", rank, err.getMessage());
                    ctx.schedule(RETRY.multipliedBy(2), () -> reattach(rank, still));
                }
                return;
            }
            try {
                for (JsonNode id : resp.payloadTree().path("unknown")) {
                    Job j = store.get(id.asLong());
                    if (j != null && j.excuse(rank)) {
                        raise(j, "exec", 0, host(rank) + " (rank " + rank + ") has no record of the job: its broker "
                                + "restarted while the job ran there");
                    }
                }
            } catch (RpcException e) {
                ctx.log().error("job-manager: unreadable job-exec.status from rank {}: {}", rank, e.getMessage());
            }
        });
    }

    /**
     * The leader went away after the job's alloc was committed and before its start was: some
     * nodes may have started their tasks (nobody heard them answer), some may never have got the
     * start. Each node that has not reported on the job says whether it holds it. If every node
     * started it, the start is logged and the job goes on (a node's report that came meanwhile
     * counts); a node that never got it is not sent it now (a job is never started twice; the
     * node may have run it and forgotten it), so the job ends with an exception naming it.
     */
    private void resumeStart(Job j) {
        j.pending = Job.Pending.STARTING;
        List<Integer> ask = j.alloc().keySet().stream()
                .filter(r -> !j.hasFinished(r) && !j.releasedRanks().contains(r)).toList();
        Set<Integer> waiting = new TreeSet<>(ask);
        List<Integer> never = new ArrayList<>();
        if (waiting.isEmpty()) {
            startChecked(j, never);
            return;
        }
        for (int rank : ask) {
            askStarted(j, rank, waiting, never);
        }
    }

    private void askStarted(Job j, int rank, Set<Integer> waiting, List<Integer> never) {
        if (j.hasFinished(rank) || j.releasedRanks().contains(rank)) {
            answered(j, rank, waiting, never); // it reported (or was lost) meanwhile
            return;
        }
        ctx.rpc(rank, "job-exec.status", Map.of("ids", List.of(j.id()))).whenComplete((resp, err) -> {
            if (stopped) {
                return;
            }
            if (err != null) {
                ctx.log().debug("job-manager: job-exec.status on rank {} failed ({}); asking again", rank, err.getMessage());
                ctx.schedule(RETRY.multipliedBy(2), () -> askStarted(j, rank, waiting, never));
                return;
            }
            boolean known = false;
            try {
                for (JsonNode id : resp.payloadTree().path("known")) {
                    known |= id.asLong() == j.id();
                }
            } catch (RpcException e) {
                ctx.log().error("job-manager: unreadable job-exec.status from rank {}: {}", rank, e.getMessage());
            }
            if (!known && !j.hasFinished(rank) && !j.releasedRanks().contains(rank)) {
                never.add(rank);
            }
            answered(j, rank, waiting, never);
        });
    }

    private void answered(Job j, int rank, Set<Integer> waiting, List<Integer> never) {
        if (waiting.remove(rank) && waiting.isEmpty()) {
            startChecked(j, never);
        }
    }

    /** Every node answered: the start is logged, or the job fails naming the nodes that never got it. */
    private void startChecked(Job j, List<Integer> never) {
        j.pending = Job.Pending.NONE;
        List<Integer> excused = never.stream().filter(j::excuse).toList(); // they will never report
        if (!excused.isEmpty() && !j.fatal()) {
            String nodes = excused.stream().map(r -> host(r) + " (rank " + r + ")").collect(Collectors.joining(", "));
            raise(j, "exec", 0, nodes + (excused.size() == 1 ? " has" : " have") + " no record of the job: the leader "
                    + "restarted between its alloc and its start, so it may never have started there; it is not started again");
        } else if (!j.fatal()) {
            ctx.log().info("job-manager: job {} had started on every node before the leader restarted", j.id());
            post(j, "start", Map.of());
            if (j.allFinished() && j.exitcode() == null) {
                post(j, "finish", Map.of("status", j.largestStatus()));
            }
        }
        if (!j.releasedRanks().isEmpty()) {
            postRelease(j, j.releasedRanks()); // those that reported while the start was being checked
        }
        advance(j);
    }

    // ---- user requests ----

    private Job job(Request r) throws RpcException {
        long id = r.payloadTree().path("id").asLong(-1);
        Job j = store.get(id);
        if (j == null) {
            throw new RpcException(Errno.ENOENT, "no job " + id + " (canopy jobs -a lists the jobs this instance knows)");
        }
        return j;
    }

    private void submit(Request req) throws RpcException {
        JobSpec.checkCounts(req.payloadTree());
        JobSpec spec = req.payload(JobSpec.class).validated();
        if (req.userid() != ctx.ownerUid() && ctx.ownerUid() != 0 && !otherUsers) {
            // brokers that are not root, without a privileged launcher, cannot switch users: the job
            // would run as the instance owner, with its keys and its state
            throw new RpcException(Errno.EPERM, "this instance runs as " + UserNames.of(ctx.ownerUid())
                    + " and cannot run jobs as " + UserNames.of(req.userid()) + "; only the instance owner may submit "
                    + "(an administrator can enable every user's jobs with [job-exec] launcher_socket; docs/jobs.md)");
        }
        if (known(spec, req)) {
            return;
        }
        ctx.rpc(0, "sched.feasible", Map.of("nnodes", spec.nnodes(), "ntasks", spec.ntasks())).whenComplete((ok, err) -> {
            if (stopped) {
                return; // unanswered: a neighbour's request is asked again once the leader is back
            }
            if (err != null) {
                RpcException e = err instanceof RpcException r ? r : new RpcException(Errno.EIO, err.toString());
                if (e.errnum() == Errno.ENOSYS) {
                    req.respondError(Errno.ENOSYS, "the scheduler is not loaded on rank 0; load it with "
                            + "`canopy module load sched`, then submit again");
                } else {
                    req.respondError(e.errnum(), "job refused: " + e.getMessage());
                }
                return;
            }
            if (known(spec, req)) {
                return;
            }
            Job j = store.create(req.userid(), spec);
            if (spec.key() != null) {
                keys.put(spec.key(), j.id());
            }
            post(j, "submit", Map.of("userid", req.userid()));
            post(j, "depend", Map.of());
            store.afterCommit(() -> {
                req.respond(Map.of("id", j.id()));
                advance(j);
            }, e -> {
                store.remove(j.id());
                keys.remove(spec.key());
                req.respondError(e.errnum(), "job not accepted: the leader cannot save it: " + e.getMessage());
            });
        });
    }

    /** A submission repeated with the same key gets the first one's id. */
    private boolean known(JobSpec spec, Request req) {
        Long id = spec.key() == null ? null : keys.get(spec.key());
        if (id == null) {
            return false;
        }
        ctx.log().info("job-manager: submission {} repeated; answering with job {}", spec.key(), id);
        store.afterCommit(() -> req.respond(Map.of("id", id)));
        return true;
    }

    private void list(Request req) throws RpcException {
        boolean all = req.payloadTree().path("all").asBoolean(false);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Job j : store.all().descendingMap().values()) {
            if (all || j.state().active()) {
                out.add(JobView.of(j, this::host));
            }
        }
        req.respond(Map.of("jobs", out));
    }

    private void await(Request req) throws RpcException {
        Job j = job(req);
        if (j.state().active()) {
            watchers.addWaiter(j.id(), req);
        } else {
            req.respond(JobView.of(j, this::host));
        }
    }

    private void attach(Request req) throws RpcException {
        Job j = job(req);
        watchers.attach(j, req);
        if (!j.state().active()) {
            watchers.done(j.id(), JobView.of(j, this::host));
        }
    }

    private void cancel(Request req) throws RpcException {
        Job j = job(req);
        if (!req.isOwner() && req.userid() != j.userid()) {
            throw new RpcException(Errno.EPERM, "job " + j.id() + " belongs to " + UserNames.of(j.userid())
                    + "; only its owner or the instance owner may cancel it");
        }
        if (!j.state().active()) {
            throw new RpcException(Errno.EINVAL, "job " + j.id() + " is already over (" + j.result() + ")");
        }
        if (!j.fatal()) {
            String note = req.payloadTree().path("note").asText("");
            raise(j, "cancel", 0, note.isEmpty() ? "canceled by " + UserNames.of(req.userid()) : note);
        }
        store.afterCommit(() -> req.respond(Map.of()));
    }

    // ---- reports from job-exec ----

    private void execOutput(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        long id = b.path("id").asLong();
        if (!watchers.newOutputReport(id, b.path("rank").asInt(-1), b.path("seq").asLong(0))) {
            req.respond(Map.of()); // a resend of a report already taken
            return;
        }
        for (JsonNode c : b.path("chunks")) {
            watchers.output(id, c.path("task").asInt(), c.path("stream").asText("stdout"), c.path("data").asText(""));
        }
        req.respond(Map.of());
    }

    private void execFinished(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Job j = store.get(b.path("id").asLong());
        int rank = b.path("rank").asInt(-1);
        if (j != null) {
            int status = 0;
            for (JsonNode t : b.path("tasks")) {
                status = Math.max(status, t.path("status").asInt());
            }
            boolean changed = j.finished(rank, status, NodeUsage.of(b.get("usage")));
            if (changed && j.allFinished() && j.exitcode() == null && j.started()) {
                post(j, "finish", Map.of("status", j.largestStatus()));
            }
            if (b.path("released").asBoolean(false) && j.released(rank)) {
                changed = true;
                postRelease(j, List.of(rank));
            }
            if (changed) {
                store.touch(j);
                advance(j);
            }
        }
        store.afterCommit(() -> req.respond(Map.of()));
    }

    private void execReleased(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Job j = store.get(b.path("id").asLong());
        int rank = b.path("rank").asInt(-1);
        if (j != null && j.released(rank)) {
            JsonNode epilog = b.path("epilog");
            if (epilog.isObject()) {
                raise(j, "epilog", 1, epilog.path("note").asText("epilog failed on " + host(rank)));
            }
            postRelease(j, List.of(rank));
            store.touch(j);
            advance(j);
        }
        store.afterCommit(() -> req.respond(Map.of()));
    }

    private void execException(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Job j = store.get(b.path("id").asLong());
        int rank = b.path("rank").asInt(-1);
        if (j != null && j.excuse(rank)) {
            raise(j, b.path("type").asText("exec"), 0, b.path("note").asText(host(rank) + " (rank " + rank + ") failed"));
        }
        store.afterCommit(() -> req.respond(Map.of()));
    }

    private void onPeerStatus(Event e) throws RpcException {
        JsonNode b = e.payloadTree();
        int rank = b.path("rank").asInt(-1);
        String status = b.path("status").asText();
        String type = switch (status) {
            case "lost" -> "node-failure";
            case "offline" -> "node-shutdown";
            default -> null;
        };
        for (Job j : store.all().values()) {
            if (type != null && j.state().active() && j.excuse(rank)) {
                raise(j, type, 0, host(rank) + " (rank " + rank + ") " + (status.equals("lost") ? "was lost" : "went offline"));
            } else if (status.equals("online") && j.abandoned(rank)) {
                // back after it was given up: whatever of the job still runs there must stop
                ctx.rpc(rank, "job-exec.kill", Map.of("id", j.id(), "signal", 9));
            }
        }
    }

    // ---- the state machine ----

    private void post(Job j, String name, Map<String, Object> context) {
        JobEvent e = j.post(name, context);
        store.touch(j);
        watchers.event(j.id(), e);
    }

    /** Logs a release, in order: ranks that report before the start is logged are logged with it. */
    private void postRelease(Job j, List<Integer> ranks) {
        if (j.pending != Job.Pending.STARTING) {
            post(j, "release", Map.of("ranks", JobView.ranks(ranks), "final", j.allReleased()));
        }
    }

    private void raise(Job j, String type, int severity, String note) {
        boolean wasQueued = j.state() == JobState.SCHED;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("severity", severity);
        c.put("note", note);
        post(j, "exception", c);
        ctx.log().info("job-manager: job {}: exception type={} severity={}: {}", j.id(), type, severity, note);
        if (severity == 0 && wasQueued && j.pending == Job.Pending.ALLOC) {
            ctx.rpc(0, "sched.cancel", Map.of("id", j.id()));
        }
        advance(j);
    }

    /** Does the next thing the job needs, if any. */
    private void advance(Job j) {
        switch (j.state()) {
            case SCHED -> {
                if (schedReady && j.pending == Job.Pending.NONE && j.alloc().isEmpty()) {
                    requestAlloc(j);
                }
            }
            case CLEANUP -> cleanup(j);
            default -> { }
        }
    }

    private void requestAlloc(Job j) {
        j.pending = Job.Pending.ALLOC;
        int attempt = ++j.allocAttempt;
        Map<String, Object> body = Map.of("id", j.id(), "nnodes", j.spec().nnodes(), "ntasks", j.spec().ntasks());
        ctx.rpc(0, "sched.alloc", body).whenComplete((resp, err) -> {
            if (stopped || attempt != j.allocAttempt) {
                return; // stopping, or an answer from a scheduler that has since restarted
            }
            j.pending = Job.Pending.NONE;
            if (err != null) {
                RpcException e = err instanceof RpcException r ? r : new RpcException(Errno.EIO, err.toString());
                if (j.fatal()) {
                    advance(j); // canceled while it waited: on to cleanup
                } else if (e.errnum() == Errno.ENOSPC) {
                    raise(j, "alloc", 0, "the job can never run here: " + e.getMessage());
                } else {
                    // never at once: a scheduler that stopped (ECANCELED, ENOSYS) answers at once too
                    ctx.log().warn("job-manager: sched.alloc for job {} failed ({}); asking again in {}", j.id(),
                            e.getMessage(), RETRY);
                    ctx.schedule(RETRY, () -> advance(j));
                }
                return;
            }
            Map<Integer, Integer> alloc = new java.util.LinkedHashMap<>();
            try {
                resp.payloadTree().path("ranks").fields().forEachRemaining(f ->
                        alloc.put(Integer.parseInt(f.getKey()), f.getValue().asInt()));
            } catch (RpcException e) {
                ctx.log().error("job-manager: unreadable sched.alloc answer for job {}: {}", j.id(), e.getMessage());
                return;
            }
            if (j.fatal() || j.state() != JobState.SCHED) {
                ctx.rpc(0, "sched.free", Map.of("id", j.id())); // canceled while the answer was on its way
                advance(j);
                return;
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("ranks", JobView.ranks(alloc.keySet()));
            c.put("alloc", stringKeys(alloc));
            post(j, "alloc", c);
            j.pending = Job.Pending.STARTING;
            store.afterCommit(() -> startTasks(j)); // never start what a restarted leader would not know of
        });
    }

    private void startTasks(Job j) {
        if (j.fatal()) {
            // no node was asked to start it: none runs anything of it or will report, so none is
            // waited for (that held the others' cores for good) or sent a kill
            j.alloc().keySet().forEach(j::released);
            j.killSent = true;
            j.pending = Job.Pending.NONE;
            advance(j);
            return;
        }
        int[] answered = {0};
        int task = 0;
        for (Map.Entry<Integer, Integer> a : j.alloc().entrySet()) {
            int rank = a.getKey();
            List<Integer> tasks = new ArrayList<>();
            for (int i = 0; i < a.getValue(); i++) {
                tasks.add(task++);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", j.id());
            body.put("userid", j.userid());
            body.put("command", j.spec().command());
            body.put("cwd", j.spec().cwd());
            body.put("env", j.spec().env());
            body.put("tasks", tasks);
            body.put("ntasks", j.spec().ntasks());
            body.put("nnodes", j.alloc().size());
            body.put("output", j.spec().output());
            body.put("error", j.spec().error());
            ctx.rpc(rank, "job-exec.start", body).whenComplete((resp, err) -> {
                if (stopped) {
                    return; // a restarted leader asks the nodes whether they started it
                }
                if (err != null && j.excuse(rank)) {
                    raise(j, "exec", 0, "cannot start the job on " + host(rank) + " (rank " + rank + "): "
                            + err.getMessage());
                }
                if (++answered[0] == j.alloc().size()) {
                    j.pending = Job.Pending.NONE;
                    if (!j.fatal()) {
                        post(j, "start", Map.of());
                        if (j.allFinished() && j.exitcode() == null) {
                            post(j, "finish", Map.of("status", j.largestStatus()));
                        }
                    }
                    if (!j.releasedRanks().isEmpty()) {
                        postRelease(j, j.releasedRanks()); // those that reported before every node had started
                    }
                    advance(j);
                }
            });
        }
    }

    private void cleanup(Job j) {
        if (j.pending != Job.Pending.NONE) {
            return; // an alloc or the start is still being answered
        }
        if (j.fatal() && !j.killSent && !j.running().isEmpty()) {
            j.killSent = true;
            j.running().forEach(rank -> kill(j, rank));
        }
        if (j.alloc().isEmpty()) {
            inactive(j); // never got resources
        } else if (j.allReleased() && !j.freeSent) {
            j.freeSent = true;
            ctx.rpc(0, "sched.free", Map.of("id", j.id())).whenComplete((r, err) -> {
                if (stopped) {
                    return; // freed again (sched.hello) and logged by the restarted leader
                }
                if (err != null) {
                    ctx.log().warn("job-manager: sched.free for job {} failed: {}", j.id(), err.getMessage());
                }
                post(j, "free", Map.of());
                inactive(j);
            });
        }
    }

    /** SIGTERM to the job's tasks on {@code rank}, again until it is heard (a node behind a lost router). */
    private void kill(Job j, int rank) {
        ctx.rpc(rank, "job-exec.kill", Map.of("id", j.id(), "signal", 15)).whenComplete((r, err) -> {
            if (err == null || stopped || j.hasFinished(rank) || !j.state().active()) {
                return;
            }
            ctx.log().warn("job-manager: cannot kill job {} on rank {} ({}); trying again in {}", j.id(), rank,
                    err.getMessage(), RETRY.multipliedBy(5));
            ctx.schedule(RETRY.multipliedBy(5), () -> {
                if (!j.hasFinished(rank) && j.state().active()) {
                    kill(j, rank);
                }
            });
        });
    }

    private void inactive(Job j) {
        if (!j.state().active()) {
            return;
        }
        post(j, "clean", Map.of());
        inactiveCount++;
        Map<String, Object> view = JobView.of(j, this::host);
        ctx.log().debug("job-manager: job {} is inactive: {}", j.id(), j.result());
        store.afterCommit(() -> watchers.done(j.id(), view));
        purge();
    }

    /** Forgets the oldest inactive jobs beyond {@code inactive_limit}. */
    private void purge() {
        while (inactiveCount > inactiveLimit) {
            Job oldest = store.all().values().stream().filter(x -> !x.state().active()).findFirst().orElse(null);
            if (oldest == null) {
                return;
            }
            store.remove(oldest.id());
            watchers.forget(oldest.id());
            keys.remove(oldest.spec().key());
            inactiveCount--;
        }
    }

    private String host(int rank) {
        return rank >= 0 && rank < hosts.size() && hosts.get(rank) != null ? hosts.get(rank) : "rank " + rank;
    }

    private static Map<String, Integer> stringKeys(Map<Integer, Integer> m) {
        Map<String, Integer> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(Integer.toString(k), v));
        return out;
    }
}
