package io.canopy.modules.exec;

import io.canopy.module.BrokerModule;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * job-exec, on every broker: runs the tasks job-manager assigns to this node as real processes,
 * collects their output and exit statuses, kills them on request, runs the epilog, and reports
 * each step to job-manager on rank 0 until it is acknowledged. Jobs here outlive the service
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
        config = new ExecConfig(fresh.epilog(), fresh.epilogTimeout(), fresh.drainOnEpilogFailure(),
                fresh.killTimeout(), config.cores());
        ctx.log().info("job-exec: epilog {}, epilog_timeout {}, drain_on_epilog_failure {}, kill_timeout {}",
                config.epilog().orElse("none"), io.canopy.module.Durations.format(config.epilogTimeout()),
                config.drainOnEpilogFailure(), io.canopy.module.Durations.format(config.killTimeout()));
        return true;
    }

    @Override
    public void start(ModuleContext context) {
        this.ctx = context;
        this.config = ExecConfig.of(ctx.config());
        this.launcher = new TaskLauncher(ctx.hostname(), ctx.localUri(), ctx.ownerUid());
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "job-exec-io");
            t.setDaemon(true);
            return t;
        });
        ctx.serve("job-exec.info", r -> r.respond(Map.of("rank", ctx.rank(), "host", ctx.hostname(), "cores", config.cores())));
        ctx.serve("job-exec.start", this::start);
        ctx.serve("job-exec.kill", this::kill);
        ctx.serve("job-exec.status", this::status);
        ctx.log().debug("job-exec: {} cores; epilog {}", config.cores(), config.epilog().orElse("none"));
        List<Long> leftovers = Leftovers.find(ctx.localUri());
        if (!leftovers.isEmpty()) {
            ctx.log().warn("job-exec: killing {} task process(es) an earlier run of this broker left behind: {}",
                    leftovers.size(), leftovers);
            leftovers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
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
        for (int task : spec.tasks()) {
            Process p;
            try {
                p = launcher.start(spec, task);
            } catch (RpcException e) {
                job.alive().forEach(q -> Signals.group(q.pid(), 9));
                throw e;
            }
            int pipes = (spec.output() == null ? 1 : 0) + (spec.error() == null ? 1 : 0);
            job.add(task, p, pipes);
            if (spec.output() == null) {
                pump(job, task, "stdout", p.getInputStream());
            }
            if (spec.error() == null) {
                pump(job, task, "stderr", p.getErrorStream());
            }
            p.onExit().thenAccept(done -> ctx.schedule(Duration.ZERO, () -> {
                job.exited(task, done.exitValue());
                taskEvent(job, task);
            }));
        }
        jobs.put(spec.id(), job);
        req.respond(Map.of());
    }

    private void kill(Request req) throws RpcException {
        long id = req.payloadTree().path("id").asLong();
        int signal = req.payloadTree().path("signal").asInt(15);
        LocalJob job = jobs.get(id);
        if (job != null && !job.alive().isEmpty()) {
            ctx.log().info("job-exec: signal {} to job {} ({} task(s) alive)", signal, id, job.alive().size());
            job.tasks().values().forEach(p -> Signals.group(p.pid(), signal));
            if (signal != 9) {
                ctx.schedule(config.killTimeout(), () -> {
                    if (!job.alive().isEmpty()) {
                        ctx.log().warn("job-exec: job {} still alive {} after signal {}; killing it",
                                id, io.canopy.module.Durations.format(config.killTimeout()), signal);
                        job.tasks().values().forEach(p -> Signals.group(p.pid(), 9));
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

    // ---- a job's course ----

    /** Reads one of a task's pipes on an I/O thread, handing the text to the module thread. */
    private void pump(LocalJob job, int task, String stream, InputStream in) {
        pumps.execute(() -> {
            char[] buf = new char[8192];
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                for (int n; (n = r.read(buf)) > 0; ) {
                    String data = new String(buf, 0, n);
                    ctx.schedule(Duration.ZERO, () -> output(job, task, stream, data));
                }
            } catch (IOException e) {
                // the task closed its end: nothing more to read
            }
            ctx.schedule(Duration.ZERO, () -> taskEvent(job, task));
        });
    }

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

    private void taskEvent(LocalJob job, int task) {
        if (job.taskEvent(task) && !job.ended) {
            job.ended = true;
            ended(job);
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
        // "update": a node drained already keeps its drain (and the operator's reason)
        ctx.rpc(0, "resource.drain", Map.of("targets", Integer.toString(ctx.rank()), "reason", o.note(),
                "mode", "update"))
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
        List<LocalJob> running = jobs.values().stream().filter(j -> !j.alive().isEmpty()).toList();
        running.forEach(j -> j.tasks().values().forEach(p -> Signals.group(p.pid(), 15)));
        long deadline = System.currentTimeMillis() + SHUTDOWN_GRACE_MS;
        for (LocalJob j : running) {
            for (Process p : j.tasks().values()) {
                try {
                    p.waitFor(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            j.tasks().values().stream().filter(Process::isAlive).forEach(p -> Signals.group(p.pid(), 9));
            String note = ctx.hostname() + " (rank " + ctx.rank() + ") shut down";
            ctx.rpc(0, "job-manager.exec-exception", Map.of("id", j.id(), "rank", ctx.rank(), "host", ctx.hostname(),
                    "type", "node-shutdown", "note", note));
            ctx.log().warn("job-exec: job {} ended here: {}", j.id(), note);
        }
        pumps.shutdownNow();
    }
}
