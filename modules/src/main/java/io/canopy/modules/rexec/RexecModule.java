package io.canopy.modules.rexec;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.BrokerModule;
import io.canopy.module.Durations;
import io.canopy.module.ModuleContext;
import io.canopy.module.Request;
import io.canopy.module.RpcException;
import io.canopy.module.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code rexec}: runs a command on this node for {@code canopy exec}, as flux-core's rexec does for
 * {@code flux exec}. Every broker loads it. The command runs as the broker's user, so only callers
 * with the owner role may use it (a user gets EPERM): it is the administrator's parallel shell, not
 * a way to run jobs.
 *
 * <p>Topics (all owner only):
 * <ul>
 *   <li>{@code rexec.exec} {@code {"id", "cmd":[argv], "cwd", "env":{...}, "stdin":true}}: starts the
 *       command in a process group of its own; answers in parts ({@code {"pid"}} once started, then
 *       {@code {"stream":"stdout"|"stderr", "data":bytes}} as output comes) and finally
 *       {@code {"status":N}} (128+signal when a signal ended it). A command that cannot start is an
 *       error naming the host and the reason.
 *   <li>{@code rexec.write} {@code {"id", "data":bytes, "eof":bool}}: standard input.
 *   <li>{@code rexec.kill} {@code {"id", "signal":N}}: signals the whole process group; SIGKILL
 *       follows {@link Proc#KILL_AFTER} later if it is still there.
 *   <li>{@code rexec.keepalive} {@code {"id"}}: the caller is still there. A process whose caller
 *       has not said so for {@link #LEASE} is killed: the caller went away (killed, or its node or
 *       connection lost) and nobody will read its output or stop it.
 *   <li>{@code rexec.list}: what runs now.
 * </ul>
 */
public final class RexecModule implements BrokerModule {
    /** How long a process outlives the last word from its caller. */
    static final Duration LEASE = Duration.ofSeconds(10);

    private ModuleContext ctx;
    private final Map<String, Proc> running = new HashMap<>();
    private ExecutorService io;
    /** The lease check, while something runs. */
    private Timer leases;

    @Override
    public String name() {
        return "rexec";
    }

    @Override
    public void start(ModuleContext context) {
        this.ctx = context;
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rexec-io");
            t.setDaemon(true);
            return t;
        });
        ctx.serve("rexec.exec", this::exec);
        ctx.serve("rexec.write", this::write);
        ctx.serve("rexec.kill", this::kill);
        ctx.serve("rexec.keepalive", this::keepalive);
        ctx.serve("rexec.list", r -> r.respond(Map.of("running", running.values().stream().map(Proc::describe).toList())));
    }

    @Override
    public void stop() {
        for (Proc p : running.values()) {
            ctx.log().warn("rexec: the broker is stopping: killing {} (pid {})", p.command(), p.pid());
            p.signal(9);
        }
        running.clear();
        if (leases != null) {
            leases.cancel();
        }
        io.shutdownNow();
    }

    private void exec(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        String id = b.path("id").asText("");
        if (id.isEmpty()) {
            throw new RpcException(Errno.EINVAL, "rexec.exec needs an id (canopy exec makes one)");
        }
        if (running.containsKey(id)) {
            throw new RpcException(Errno.EEXIST, "rexec: a command with id " + id + " already runs on "
                    + ctx.hostname());
        }
        Proc p = Proc.start(ProcSpec.of(b, ctx.localUri()), ctx.hostname(), req, io, ctx, () -> running.remove(id));
        running.put(id, p);
        if (leases == null) {
            leases = ctx.scheduleAtFixedRate(Duration.ofSeconds(1), this::expireLeases);
        }
        ctx.log().info("rexec: uid {} runs {} on {} (pid {})", req.userid(), p.command(), ctx.hostname(), p.pid());
    }

    private Proc find(Request req) throws RpcException {
        String id = req.payloadTree().path("id").asText("");
        Proc p = running.get(id);
        if (p == null) {
            throw new RpcException(Errno.ENOENT, "rexec: no command with id " + id + " runs on " + ctx.hostname()
                    + " (it ended, or the broker restarted)");
        }
        p.renew();
        return p;
    }

    private void write(Request req) throws RpcException {
        JsonNode b = req.payloadTree();
        Proc p = find(req);
        try {
            p.write(b.path("data").isNull() || b.path("data").isMissingNode() ? new byte[0] : b.path("data").binaryValue(),
                    b.path("eof").asBoolean(false));
        } catch (java.io.IOException e) {
            throw new RpcException(Errno.EPROTO, "rexec.write: data must be bytes: " + e.getMessage());
        }
        req.respond(Map.of());
    }

    private void kill(Request req) throws RpcException {
        Proc p = find(req);
        int signal = req.payloadTree().path("signal").asInt(15);
        if (signal < 1 || signal > 64) {
            throw new RpcException(Errno.EINVAL, "rexec.kill: signal " + signal + " is not a signal number (1-64)");
        }
        ctx.log().info("rexec: uid {} sends signal {} to {} (pid {})", req.userid(), signal, p.command(), p.pid());
        p.terminate(signal);
        req.respond(Map.of());
    }

    private void keepalive(Request req) throws RpcException {
        find(req);
        req.respond(Map.of());
    }

    /**
     * Every second while a command runs (not at all on an idle broker: a thousand brokers each
     * woken every second cost the start of a 1,024-broker instance 6 CPU seconds).
     */
    private void expireLeases() {
        if (running.isEmpty()) {
            leases.cancel();
            leases = null;
            return;
        }
        long now = System.nanoTime();
        for (Proc p : running.values()) {
            if (p.leaseExpired(now, LEASE)) {
                ctx.log().warn("rexec: nobody has asked for {} (pid {}) for {}: its caller went away; killing it",
                        p.command(), p.pid(), Durations.format(LEASE));
                p.terminate(15);
            }
        }
    }
}
