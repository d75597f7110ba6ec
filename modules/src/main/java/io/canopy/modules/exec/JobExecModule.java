package io.canopy.modules.exec;

import io.canopy.module.BrokerModule;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import io.canopy.message.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * job-exec, on every broker: runs the tasks job-manager assigns to this node as real processes,
 * through canopy-launch ({@link TaskLauncher}), which switches to the submitter and contains each
 * job in a cgroup; collects their output, exit statuses and resource usage, kills them on
 * request, runs the epilog, and reports each step to job-manager on rank 0 until it is
 * acknowledged. Jobs here outlive the service
 * brokers: a report made while they are down is delivered when they return.
 *
 * <p>Topics (owner): {@code job-exec.info}, {@code job-exec.start}, {@code job-exec.kill},
 * {@code job-exec.status}; reports: {@code job-manager.exec-output}, {@code exec-finished},
 * {@code exec-released}, {@code exec-exception}. See docs/jobs.md. Config: {@link ExecConfig}.
 */
public final class JobExecModule implements BrokerModule {
    private static final Duration OUTPUT_DELAY = Duration.ofMillis(100);
    private static final long SHUTDOWN_GRACE_MS = 2000;

    private ModuleContext ctx;
    private ExecConfig config;
    private TaskLauncher launcher;
    private final Map<Long, LocalJob> jobs = new TreeMap<>();
    private ExecutorService pumps;
    /** The fall-back to process groups is logged once, not for every job. */
    private final AtomicBoolean noCgroupSaid = new AtomicBoolean();

    @Override
    public String name() {
        return "job-exec";
    }

    /**
     * {@code canopy config reload}: the epilog, its timeout, the drain policy and the kill timeout
     * change for jobs that end from now on; {@code cores} stays until the broker restarts (the
     * scheduler has counted them).
     */
    @Override
    public boolean reconfigure(io.canopy.module.ModuleConfig newConfig) {
        ExecConfig fresh = ExecConfig.of(newConfig);
        // the cores the scheduler was told, and how tasks are launched, hold until the broker starts again
        config = config.reloaded(fresh);
        ctx.log().info("job-exec: epilog {}, epilog_timeout {}, drain_on_epilog_failure {}, kill_timeout {}",
                config.epilog().orElse("none"), io.canopy.module.Durations.format(config.epilogTimeout()),
                config.drainOnEpilogFailure(), io.canopy.module.Durations.format(config.killTimeout()));
        return true;
    }

    @Override
    public void start(ModuleContext context) {
        this.ctx = context;
        this.config = ExecConfig.of(ctx.config());
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "job-exec-io");
            t.setDaemon(true);
            return t;
        });
        this.launcher = makeLauncher();
        ctx.serve("job-exec.info", r -> r.respond(Map.of("rank", ctx.rank(), "host", ctx.hostname(), "cores", config.cores(),
                "bootId", BootId.read(config.bootIdFile()))));
        ctx.serve("job-exec.reboot", this::reboot);
        ctx.serve("job-exec.health-check", this::healthCheck);
        ctx.serve("job-exec.start", this::start);
        ctx.serve("job-exec.kill", this::kill);
        ctx.serve("job-exec.status", this::status);
        ctx.log().debug("job-exec: {} cores; epilog {}", config.cores(), config.epilog().orElse("none"));
        cleanUpEarlierRun();
    }

    /** How tasks start here: through the configured launcher socket, or by running canopy-launch. */
    private TaskLauncher makeLauncher() {
        Launcher l;
        Optional<String> unusable;
        if (config.launcherSocket().isPresent()) {
            l = new Launcher.Socket(Path.of(config.launcherSocket().get()));
            unusable = Optional.empty();
        } else {
            Optional<Path> found = LauncherLocation.find(config.launcher());
            l = new Launcher.Direct(found.orElse(Path.of(LauncherLocation.NAME)));
            unusable = found.isEmpty()
                    ? Optional.of(LauncherLocation.NAME + " is not installed (looked for "
                            + LauncherLocation.searched() + "); install it or set [job-exec] launcher")
                    : LauncherLocation.unsafe(found.get(), ctx.ownerUid());
        }
        unusable.ifPresent(why -> ctx.log().error("job-exec: no job can start on {}: {}", ctx.hostname(), why));
        return new TaskLauncher(l, unusable, ctx.hostname(), ctx.localUri(), ctx.ownerUid(), config.containment());
    }

    /**
     * A broker killed with SIGKILL (or crashed) leaves its jobs' processes behind: they go now.
     * canopy-launch, which removes what is left in the jobs' cgroups, runs only when the broker sees
     * such a cgroup ({@link JobCgroups}); processes outside cgroups are found in /proc.
     */
    private void cleanUpEarlierRun() {
        if (launcher.launcher() instanceof Launcher.Direct) {
            cleanUpCgroups();
        } else {
            ctx.log().info("job-exec: tasks start through {}", launcher.launcher().describe());
        }
        List<Long> leftovers = Leftovers.find(ctx.localUri());
        if (!leftovers.isEmpty()) {
            ctx.log().warn("job-exec: killing {} task process(es) an earlier run of this broker left behind: {}",
                    leftovers.size(), leftovers);
            leftovers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    /** What an earlier run left in its jobs' cgroups goes, through canopy-launch, when there is any. */
    private void cleanUpCgroups() {
        Map<String, Path> cgroups = JobCgroups.own();
        if (!JobCgroups.anyLeft(cgroups, launcher.scope())) {
            ctx.log().info("job-exec: tasks start through {} (containment {}; cgroups: {})", launcher.launcher().describe(),
                    config.containment(), JobCgroups.describe(cgroups));
            return;
        }
        try {
            String done = launcher.cleanup(); // also says what containment jobs get here
            ctx.log().info("job-exec: tasks start through {} (containment {}; {})", launcher.launcher().describe(),
                    config.containment(), done);
            if (!done.startsWith("killed=0 removed=0 ")) {
                ctx.log().warn("job-exec: cgroups of jobs an earlier run of this broker left behind: {}", done);
            }
        } catch (IOException e) {
            ctx.log().warn("job-exec: cannot ask {} about jobs an earlier run left behind: {}",
                    launcher.launcher().describe(), e.getMessage());
        }
    }

    // ---- requests ----

    private void start(Request req) throws RpcException {
        StartRequest spec = req.payload(StartRequest.class);
        if (jobs.containsKey(spec.id())) {
            req.respond(Map.of()); // a start resent after a lost link: it runs once
            return;
        }
        launcher.check(spec);
        LocalJob job = new LocalJob(spec, new ReportQueue(ctx, spec.id(), () -> forgetIfDone(spec.id())));
        jobs.put(spec.id(), job);
        try {
            job.launched(launcher.launch(spec, pumps, new JobListener(job, req)));
        } catch (RpcException e) {
            jobs.remove(spec.id());
            throw e;
        }
    }

    /** The launcher's reports on one job, moved onto the module thread. */
    private final class JobListener implements Launch.Listener {
        private final LocalJob job;
        private final Request start;
        private boolean answered;

        JobListener(LocalJob job, Request start) {
            this.job = job;
            this.start = start;
        }

        private void later(Runnable r) {
            ctx.schedule(Duration.ZERO, r);
        }

        @Override
        public void started() {
            later(() -> {
                job.running = true;
                answered = true;
                start.respond(Map.of());
            });
        }

        @Override
        public void failed(int errno, String message) {
            later(() -> {
                job.ended = true;
                jobs.remove(job.id());
                answered = true;
                start.respondError(errno, "cannot start job " + job.id() + " on " + ctx.hostname() + ": " + message);
            });
        }

        @Override
        public void output(int task, String stream, String data) {
            later(() -> JobExecModule.this.output(job, task, stream, data));
        }

        @Override
        public void exited(int task, int status) {
            later(() -> job.exited(task, status));
        }

        @Override
        public void usage(long cpuUsec, long memoryPeak, String containment) {
            later(() -> job.usage(cpuUsec, memoryPeak, containment));
        }

        @Override
        public void warning(String message) {
            if (message.startsWith("no cgroup")) {
                if (noCgroupSaid.compareAndSet(false, true)) {
                    ctx.log().warn("job-exec: {} (said once; later jobs alike)", message);
                }
            } else {
                ctx.log().warn("job-exec: job {}: {}", job.id(), message);
            }
        }

        @Override
        public void done() {
            later(() -> {
                job.ended = true;
                ended(job);
            });
        }

        @Override
        public void lost(String why) {
            later(() -> {
                job.ended = true;
                if (!answered) {
                    answered = true;
                    jobs.remove(job.id());
                    start.respondError(Errno.EIO, "cannot start job " + job.id() + " on " + ctx.hostname() + ": " + why);
                    return;
                }
                ctx.log().error("job-exec: job {}: {}; its processes here are killed", job.id(), why);
                killRemains(job);
                flushOutput(job);
                job.finalQueued = true;
                job.reports().add("job-manager.exec-exception", Map.of("id", job.id(), "rank", ctx.rank(),
                        "host", ctx.hostname(), "type", "exec", "note", why + " on " + ctx.hostname()));
            });
        }
    }

    /** After its launcher vanished: whatever is left of the job goes (its cgroup, when it has one). */
    private void killRemains(LocalJob job) {
        if (launcher.launcher() instanceof Launcher.Direct) {
            pumps.execute(() -> {
                try {
                    launcher.cleanup(job.id());
                } catch (IOException e) {
                    ctx.log().warn("job-exec: cannot clean up after job {}: {}", job.id(), e.getMessage());
                }
            });
        }
    }

    private void kill(Request req) throws RpcException {
        long id = req.payloadTree().path("id").asLong();
        int signal = req.payloadTree().path("signal").asInt(15);
        if (signal < 1 || signal > 64) {
            throw new RpcException(Errno.EINVAL, "signal " + signal + " is not a signal number (1-64)");
        }
        LocalJob job = jobs.get(id);
        if (job != null && job.alive()) {
            ctx.log().info("job-exec: signal {} to job {}", signal, id);
            job.launch().signal(signal);
            if (signal != 9) {
                ctx.schedule(config.killTimeout(), () -> {
                    if (job.alive()) {
                        ctx.log().warn("job-exec: job {} still alive {} after signal {}; killing it",
                                id, io.canopy.module.Durations.format(config.killTimeout()), signal);
                        job.launch().signal(9);
                    }
                });
            }
        }
        req.respond(Map.of());
    }

    private void status(Request req) throws RpcException {
        List<Long> known = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        req.payloadTree().path("ids").forEach(n -> (jobs.containsKey(n.asLong()) ? known : unknown).add(n.asLong()));
        req.respond(Map.of("known", known, "unknown", unknown));
    }

    // ---- the node's reboot command and health check (canopy resource reboot) ----

    /**
     * Runs the node's reboot command, once no job runs here; answers {@code {"status", "output"}}
     * when it has run (a reboot command that worked returns before the node goes down). Refused
     * while a job still runs here, and when the node has no reboot command.
     */
    private void reboot(Request req) throws RpcException {
        List<Long> running = jobs.values().stream().filter(LocalJob::alive).map(LocalJob::id).toList();
        if (!running.isEmpty()) {
            throw new RpcException(Errno.EBUSY, ctx.hostname() + " still runs job(s) " + running + ": not rebooting it now");
        }
        action(req, NodeAction.REBOOT, config.rebootCommand(), Duration.ofMinutes(5), "reboot command");
    }

    /** Runs the node's health check; answers {@code {"configured", "status", "output"}}. */
    private void healthCheck(Request req) {
        action(req, NodeAction.HEALTH, config.healthCheck(), config.healthCheckTimeout(), "health check");
    }

    private void action(Request req, char what, Optional<String> configured, Duration timeout, String name) {
        // through the socket, the launcher runs root's own command: the broker never names one
        String command = launcher.launcher() instanceof Launcher.Socket ? "" : configured.orElse("");
        pumps.execute(() -> {
            try {
                NodeAction.Outcome o = NodeAction.run(launcher.launcher(), what, command, timeout);
                ctx.schedule(Duration.ZERO, () -> {
                    if (!o.configured()) {
                        if (what == NodeAction.REBOOT) {
                            req.respondError(Errno.EINVAL, "no reboot command is configured on " + ctx.hostname() + ": "
                                    + (launcher.launcher() instanceof Launcher.Socket
                                            ? "give canopy-launch@.service --reboot-command=... (the launcher behind "
                                                    + launcher.launcher().describe() + " has none)"
                                            : "set [resource] reboot_command in system.toml"));
                            return;
                        }
                        req.respond(Map.of("configured", false, "status", 0, "output", ""));
                        return;
                    }
                    (o.status() == 0 ? ctx.log().atInfo() : ctx.log().atWarn()).log("job-exec: {} on {}: status {}{}",
                            name, ctx.hostname(), o.status(), o.output().isBlank() ? "" : ": " + o.output().strip());
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("configured", true);
                    answer.put("status", o.status());
                    answer.put("output", o.output());
                    req.respond(answer);
                });
            } catch (RpcException e) {
                ctx.schedule(Duration.ZERO, () -> {
                    ctx.log().error("job-exec: cannot run the {} on {}: {}", name, ctx.hostname(), e.getMessage());
                    req.respondError(e.errnum(), "cannot run the " + name + " on " + ctx.hostname() + ": " + e.getMessage());
                });
            }
        });
    }

    // ---- a job's course ----

    private void output(LocalJob job, int task, String stream, String data) {
        if (job.output(task, stream, data)) {
            flushOutput(job);
        } else if (!job.flushScheduled) {
            job.flushScheduled = true;
            ctx.schedule(OUTPUT_DELAY, () -> flushOutput(job));
        }
    }

    private void flushOutput(LocalJob job) {
        job.flushScheduled = false;
        List<Map<String, Object>> chunks = job.takeOutput();
        if (!chunks.isEmpty()) {
            job.reports().add("job-manager.exec-output", Map.of("id", job.id(), "rank", ctx.rank(), "seq", ++job.outputReports,
                    "chunks", chunks));
        }
    }

    /** Every task of the job here has ended: report, then run the epilog, then report again. */
    private void ended(LocalJob job) {
        flushOutput(job);
        Map<String, Object> finished = new LinkedHashMap<>();
        finished.put("id", job.id());
        finished.put("rank", ctx.rank());
        finished.put("host", ctx.hostname());
        finished.put("tasks", job.statusList());
        finished.put("usage", job.usage());
        finished.put("released", config.epilog().isEmpty());
        finished.put("epilog", null);
        if (config.epilog().isEmpty()) {
            job.finalQueued = true;
        }
        job.reports().add("job-manager.exec-finished", finished);
        config.epilog().ifPresent(program -> {
            Map<String, String> env = Map.of("CANOPY_JOB_ID", Long.toString(job.id()),
                    "CANOPY_JOB_USERID", Integer.toString(job.spec().userid()), "CANOPY_URI", ctx.localUri());
            pumps.execute(() -> {
                Epilog.Outcome o = Epilog.run(program, config.epilogTimeout(), env, ctx.hostname());
                ctx.schedule(Duration.ZERO, () -> epilogDone(job, o));
            });
        });
    }

    private void epilogDone(LocalJob job, Epilog.Outcome o) {
        if (!o.failed()) {
            released(job, null);
            return;
        }
        ctx.log().error("job-exec: job {}: {}{}", job.id(), o.note(), o.output().isEmpty() ? "" : "; it said: " + o.output());
        Map<String, Object> epilog = Map.of("status", o.status(), "note", o.note());
        if (!config.drainOnEpilogFailure()) {
            released(job, epilog);
            return;
        }
        // drained before the release, so that the scheduler never gives the node new work first;
        // "update": a node drained by a failing epilog already keeps that drain; source "epilog": an
        // administrator's drain stays beside it
        ctx.rpc(0, "resource.drain", Map.of("targets", Integer.toString(ctx.rank()), "reason", o.note(),
                "mode", "update", "source", "epilog"))
                .whenComplete((r, err) -> {
                    if (err != null) {
                        ctx.log().error("job-exec: cannot drain {} after its epilog failed: {}", ctx.hostname(), err.getMessage());
                    }
                    released(job, epilog);
                });
    }

    private void released(LocalJob job, Map<String, Object> epilog) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", job.id());
        body.put("rank", ctx.rank());
        body.put("host", ctx.hostname());
        body.put("epilog", epilog);
        job.finalQueued = true;
        job.reports().add("job-manager.exec-released", body);
    }

    private void forgetIfDone(long id) {
        LocalJob job = jobs.get(id);
        if (job != null && job.finalQueued && job.reports().idle()) {
            jobs.remove(id);
        }
    }

    // ---- shutdown ----

    /** The broker is stopping: the jobs here end, and job-manager hears why before the broker exits. */
    @Override
    public void stop() {
        List<LocalJob> running = jobs.values().stream().filter(LocalJob::alive).toList();
        running.forEach(j -> j.launch().signal(15));
        awaitEnd(running, SHUTDOWN_GRACE_MS);
        running.stream().filter(j -> !j.launch().ended().isDone()).forEach(j -> j.launch().signal(9));
        awaitEnd(running, SHUTDOWN_GRACE_MS);
        for (LocalJob j : running) {
            j.launch().close();
            String note = ctx.hostname() + " (rank " + ctx.rank() + ") shut down";
            ctx.rpc(0, "job-manager.exec-exception", Map.of("id", j.id(), "rank", ctx.rank(), "host", ctx.hostname(),
                    "type", "node-shutdown", "note", note));
            ctx.log().warn("job-exec: job {} ended here: {}", j.id(), note);
        }
        pumps.shutdownNow();
    }

    private static void awaitEnd(List<LocalJob> jobs, long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        for (LocalJob j : jobs) {
            try {
                j.launch().ended().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // still running: the caller decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
