package io.canopy.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tells the parent which event topics this broker's subtree subscribes to ({@code overlay.interest},
 * {@code {"rank", "topics": [prefix...]}}), so that the parent sends down only those
 * ({@link EventInterest}): once on every join, then whenever the subtree's subscriptions change.
 * A change that widens them is sent at once and whoever waits for it ({@link #afterUpstream}, the
 * {@code event.subscribe} answer) is answered only when the parent, and so every ancestor up to
 * the leader, has it: an event published after {@code event.subscribe} returns is never filtered
 * out on its way down. Narrowing waits for the work queued now, so that a burst goes as one
 * report. The answer says how many events the child wanted while its link was down ({@code
 * missed}), which a broker back from a lost link counts as gaps. Used on the broker thread only.
 */
final class InterestReports {
    private static final Logger LOG = LogManager.getLogger(InterestReports.class);
    /** A subscriber is answered after this even if the parent never answers (it went away). */
    static final long UPSTREAM_WAIT_MS = 5_000;

    private final BrokerContext ctx;
    private final Topology topology;
    /** What the parent has been sent in this session; null before the first report. */
    private SortedSet<String> sent;
    private boolean due;
    /** Callers waiting for the report in flight that was sent last (answers come in order). */
    private List<Runnable> lastInFlight;
    private int parentSessions;

    InterestReports(BrokerContext ctx) {
        this.ctx = ctx;
        this.topology = ctx.topology();
        ctx.router().subscriptions().onChange(() -> changed(null));
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("overlay.interest", Access.OWNER, true, this::fromChild);
    }

    /**
     * What this broker and its subtree subscribe to now. A lost child keeps its part, so that the
     * events it wants still come here to be counted as missed; an online child that has not said
     * yet wants everything; one that said goodbye, nothing (it comes back as a new process).
     */
    SortedSet<String> subtree() {
        Set<String> all = new HashSet<>(ctx.router().subscriptions().prefixes());
        EventInterest interest = ctx.router().interest();
        for (int child : topology.children()) {
            PeerStatus s = ctx.view().statusOf(child);
            if (interest.known(child) || s == PeerStatus.ONLINE || s == PeerStatus.TORPID) {
                all.addAll(interest.of(child));
            }
        }
        return EventInterest.normalize(all);
    }

    /**
     * Runs {@code then} once every ancestor sends this subtree what it subscribes to now: at once
     * on the leader, when nothing widened, or while the parent is away (the join report carries
     * it); else when the parent answers the report this sends, or after {@link #UPSTREAM_WAIT_MS}.
     */
    void afterUpstream(Runnable then) {
        changed(then);
    }

    /** The parent accepted this broker (again): it is told the whole interest, whatever it had before. */
    void parentUp() {
        parentSessions++;
        sent = null;
        changed(null);
    }

    /** A child's link changed from {@code old}: one that joined again gets everything until it reports. */
    void linkChanged(int child, PeerStatus old, PeerStatus status) {
        ctx.router().interest().linkChanged(child, old, status);
        changed(null);
    }

    private void changed(Runnable then) {
        if (topology.parent() < 0 || !ctx.view().parentUp()) {
            if (then != null) {
                then.run();
            }
            return;
        }
        SortedSet<String> now = subtree();
        if (sent == null || EventInterest.widens(now, sent)) {
            send(now, then);
            return;
        }
        if (then != null) {
            if (lastInFlight != null) {
                lastInFlight.add(then); // an earlier report may still carry this prefix upwards
            } else {
                then.run();
            }
        }
        if (!now.equals(sent) && !due) {
            due = true;
            ctx.execute(this::flushNarrowed);
        }
    }

    private void flushNarrowed() {
        due = false;
        if (topology.parent() >= 0 && ctx.view().parentUp() && sent != null) {
            SortedSet<String> now = subtree();
            if (!now.equals(sent)) {
                send(now, null);
            }
        }
    }

    private void send(SortedSet<String> topics, Runnable then) {
        sent = topics;
        List<Runnable> waiting = new ArrayList<>();
        if (then != null) {
            waiting.add(then);
        }
        lastInFlight = waiting;
        int session = parentSessions;
        Runnable done = () -> { // on the answer or the timeout, whichever comes first; the second finds nothing
            if (lastInFlight == waiting) {
                lastInFlight = null;
            }
            List<Runnable> run = List.copyOf(waiting);
            waiting.clear();
            run.forEach(Runnable::run);
        };
        Message req = ctx.rpc().prepare(Message.request("overlay.interest", topology.parent(), 0,
                Payloads.encode(Map.of("rank", topology.rank(), "topics", List.copyOf(topics)))), resp -> {
                    if (resp.errnum() == 0 && session == parentSessions) {
                        ctx.router().parentFilters();
                        long missed = payload(resp).path("missed").asLong(0);
                        if (missed > 0 && session > 1) { // a broker on its first join never had those to miss
                            ctx.router().missedWhileAway(missed);
                        }
                    } else if (resp.errnum() == Errno.ENOSYS) {
                        LOG.info("the parent (rank {}) sends every event: it runs a release without overlay.interest",
                                topology.parent());
                    }
                    done.run();
                });
        ctx.router().request(req.withCredentials(ctx.config().ownerUid(), Role.OWNER).pushRoute(ctx.rpc().id()));
        ctx.schedule(UPSTREAM_WAIT_MS, TimeUnit.MILLISECONDS, done);
    }

    private static JsonNode payload(Message resp) {
        try {
            return Payloads.tree(resp.payload());
        } catch (RpcException e) {
            LOG.debug("unreadable overlay.interest answer: {}", e.getMessage());
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    private void fromChild(Message req) throws RpcException {
        JsonNode b = Payloads.tree(req.payload());
        int child = SubtreeReports.directChild(req, b, topology);
        JsonNode topics = b.path("topics");
        if (!topics.isArray()) {
            throw new RpcException(Errno.EPROTO, "overlay.interest from rank " + child + " has no topics array");
        }
        List<String> prefixes = new ArrayList<>();
        topics.forEach(t -> prefixes.add(t.asText()));
        ctx.router().interest().report(child, prefixes);
        long missed = ctx.router().interest().takeMissed(child);
        // Answered once this broker's own parent has what the child added (at once if nothing widened).
        changed(() -> ctx.router().respond(req.response(Payloads.encode(Map.of("rank", topology.rank(), "missed", missed)))));
    }
}
