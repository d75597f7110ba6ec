package io.canopy.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The broker's own services, answered on the broker thread:
 * <ul>
 *   <li>{@code broker.ping} (user): echoes the payload; the cheapest round trip there is.
 *   <li>{@code broker.uptime} (user, answers before run): state, rank, size, uptime, the build's
 *       version and when the broker started.
 *   <li>{@code broker.stats} (user): clients, subscriptions, modules, messages routed.
 *   <li>{@code broker.dmesg} (owner): the log ring; {@code {"clear":true}} empties it,
 *       {@code {"after":SEQ}} gives only the lines logged after that one (for {@code dmesg -f}).
 *   <li>{@code broker.shutdown} (owner): an orderly shutdown of this broker.
 *   <li>{@code broker.kill} (owner): this broker vanishes at once, as a crashed node would (no
 *       goodbye): how a test crashes one broker of a JVM that hosts several.
 *   <li>{@code event.subscribe}, {@code event.unsubscribe} (user): a client's event subscriptions
 *       by topic prefix, dropped when it disconnects.
 *   <li>{@code event.publish} (owner): publishes {@code {"topic":..., "payload":...}}.
 * </ul>
 */
final class BrokerServices {
    private final BrokerContext ctx;
    private final LogRing logRing;
    private final IntSupplier clientCount;
    private final Consumer<String> shutdown;
    private final Consumer<String> kill;
    private final Consumer<Runnable> afterUpstream;

    /**
     * {@code clientCount} tells how many clients are connected; {@code shutdown} begins this
     * broker's own orderly shutdown with a reason; {@code kill} makes it vanish without one.
     */
    BrokerServices(BrokerContext ctx, LogRing logRing, IntSupplier clientCount, Consumer<String> shutdown,
            Consumer<String> kill, Consumer<Runnable> afterUpstream) {
        this.ctx = ctx;
        this.afterUpstream = afterUpstream;
        this.logRing = logRing;
        this.clientCount = clientCount;
        this.shutdown = shutdown;
        this.kill = kill;
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("broker.ping", Access.USER, false, this::ping);
        registry.addBuiltin("broker.uptime", Access.USER, true, this::uptime);
        registry.addBuiltin("broker.stats", Access.USER, true, this::stats);
        registry.addBuiltin("broker.dmesg", Access.OWNER, true, this::dmesg);
        registry.addBuiltin("broker.shutdown", Access.OWNER, true, this::shutdown);
        registry.addBuiltin("broker.kill", Access.OWNER, true, this::kill);
        registry.addBuiltin("event.subscribe", Access.USER, false, req -> subscription(req, true));
        registry.addBuiltin("event.unsubscribe", Access.USER, false, req -> subscription(req, false));
        registry.addBuiltin("event.publish", Access.OWNER, false, this::publish);
    }

    /** The answer to {@code broker.uptime}. */
    record Uptime(String state, int rank, int size, double uptime, double stateSeconds, String hostname,
            int owner, long pid, Integer parent, int protocol, String version, double started, int dialect) {}

    /** The answer to {@code broker.stats}. */
    record Stats(int clients, int subscriptions, int modules, long requests, long responsesDropped,
            long eventSeq) {}

    private void ping(Message req) {
        ctx.router().respond(req.response(req.payload()));
    }

    private void uptime(Message req) {
        BrokerConfig c = ctx.config();
        double up = Duration.between(ctx.startedAt(), Instant.now()).toNanos() / 1e9;
        respond(req, new Uptime(ctx.state().label(), c.rank(), c.size(), up,
                ctx.secondsInState(), c.hostname(), c.ownerUid(),
                ProcessHandle.current().pid(), c.topology().parent() < 0 ? null : c.topology().parent(),
                Message.PROTOCOL_VERSION, BuildVersion.version(), ctx.startedAt().toEpochMilli() / 1000.0,
                io.canopy.overlay.Dialect.CURRENT));
    }

    private void stats(Message req) {
        Router r = ctx.router();
        respond(req, new Stats(clientCount.getAsInt(), r.subscriptions().count(),
                ctx.modules().loaded().size(), r.requestsRouted(), r.responsesDropped(), r.lastEventSeq()));
    }

    private void dmesg(Message req) throws RpcException {
        JsonNode body = Payloads.tree(req.payload());
        long after = body.path("after").asLong(0);
        List<LogRing.Entry> entries = logRing.snapshot();
        if (after > 0) {
            entries = entries.stream().filter(e -> e.seq() > after).toList();
        }
        if (body.path("clear").asBoolean(false)) {
            logRing.clear();
        }
        respond(req, Map.of("entries", entries));
    }

    private void shutdown(Message req) throws RpcException {
        String reason = Payloads.tree(req.payload()).path("reason").asText("requested by uid " + req.userid());
        respond(req, Map.of("state", ctx.state().label()));
        shutdown.accept(reason);
    }

    private void kill(Message req) throws RpcException {
        String reason = Payloads.tree(req.payload()).path("reason").asText("requested by uid " + req.userid());
        respond(req, Map.of("rank", ctx.config().rank()));
        kill.accept(reason);
    }

    private void subscription(Message req, boolean add) throws RpcException {
        JsonNode body = Payloads.tree(req.payload());
        String prefix = body.path("topic").asText("");
        Optional<Endpoint> sender = ctx.router().endpoint(req.lastHop());
        if (sender.isEmpty()) {
            return; // the client left before its request was handled
        }
        if (add) {
            ctx.router().subscriptions().add(sender.get(), prefix);
            // answered once every ancestor sends this subtree the new topic: nothing published after is missed
            afterUpstream.accept(() -> respond(req, Map.of("topic", prefix)));
        } else if (ctx.router().subscriptions().remove(sender.get().id(), prefix)) {
            respond(req, Map.of("topic", prefix));
        } else {
            ctx.router().respond(req.errorResponse(Errno.ENOENT, "no subscription to '" + prefix + "'"));
        }
    }

    private void publish(Message req) throws RpcException {
        JsonNode body = Payloads.tree(req.payload());
        String topic = body.path("topic").asText("");
        if (topic.isEmpty()) {
            throw new RpcException(Errno.EINVAL, "event.publish needs a topic, e.g. {\"topic\":\"test.hello\"}");
        }
        JsonNode payload = body.get("payload");
        ctx.router().publish(Message.event(topic, payload == null ? new byte[0] : Payloads.encode(payload)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", topic);
        out.put("seq", ctx.router().lastEventSeq());
        respond(req, out);
    }

    private void respond(Message req, Object body) {
        ctx.router().respond(req.response(Payloads.encode(body)));
    }
}
