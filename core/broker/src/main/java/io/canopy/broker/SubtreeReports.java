package io.canopy.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.idset.IdSet;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps this broker's {@link Subtree} up to date and tells the others about it:
 * <ul>
 *   <li>its parent, with {@code overlay.subtree} ({@code {"rank", "state", "members"}}, members as
 *       {@code word -> idset} for every rank below it), once on every join and then whenever its
 *       subtree or its own state changes; changes found together go as one report;
 *   <li>on the leader, everyone, with the event {@code overlay.members} (the whole tree as
 *       {@code word -> idset}) whenever the leader's view of it changes, at most once per
 *       {@link #MEMBERS_INTERVAL_NANOS} (changes in between go out together at its end).
 * </ul>
 * Serves {@code overlay.subtree} (owner, answers before run; from a direct child only) and
 * {@code overlay.members} (user, answers before run: this broker and its subtree, the whole tree
 * on the leader). Used on the broker thread only.
 */
final class SubtreeReports {
    private static final Logger LOG = LogManager.getLogger(SubtreeReports.class);

    private final BrokerContext ctx;
    private final Topology topology;
    private final Subtree subtree;
    private boolean due;
    /** What was last reported (to the parent) or published (by the leader), to send only changes. */
    private Object last;
    /**
     * The leader publishes {@code overlay.members} at most once per this interval, the latest view
     * at its end: every broker receives every such event, so one per join made a boot of N brokers
     * cost N x N deliveries (1,800 events to each of 1,024 brokers in the scale benchmark).
     */
    static final long MEMBERS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private boolean published;
    private long lastPublished;
    private boolean publishLater;

    SubtreeReports(BrokerContext ctx) {
        this.ctx = ctx;
        this.topology = ctx.topology();
        this.subtree = new Subtree(topology);
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("overlay.subtree", Access.OWNER, true, this::fromChild);
        registry.addBuiltin("overlay.members", Access.USER, true, this::members);
    }

    /** A direct child's link changed. */
    void linkChanged(int child, PeerStatus status) {
        subtree.link(child, status);
        changed();
    }

    /** The parent accepted this broker (again): it gets a full report, whatever it was told before. */
    void parentUp() {
        last = null;
        changed();
    }

    /** Something the reports carry may have changed: they go out once the work queued now is done. */
    void changed() {
        if (!due) {
            due = true;
            ctx.execute(this::flush);
        }
    }

    private void flush() {
        due = false;
        if (topology.parent() < 0) {
            long now = System.nanoTime();
            long wait = lastPublished + MEMBERS_INTERVAL_NANOS - now;
            if (published && wait > 0) {
                if (!publishLater) { // the latest view goes out when the interval is over
                    publishLater = true;
                    ctx.schedule(wait, TimeUnit.NANOSECONDS, () -> {
                        publishLater = false;
                        changed();
                    });
                }
                return;
            }
            Map<String, String> members = encode(subtree.members(topology.rank()));
            if (!members.equals(last)) {
                last = members;
                published = true;
                lastPublished = now;
                ctx.router().publish(Message.event("overlay.members", Payloads.encode(members))
                        .withCredentials(ctx.config().ownerUid(), Role.OWNER));
            }
            return;
        }
        if (!ctx.view().parentUp()) {
            return; // a full report follows the next join
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("rank", topology.rank());
        body.put("state", ctx.state().label());
        body.put("members", encode(subtree.members(null)));
        if (!body.equals(last)) {
            last = body;
            ctx.toParent(Message.request("overlay.subtree", topology.parent(), 0, Payloads.encode(body))
                    .withFlags(Message.FLAG_NORESPONSE).withCredentials(ctx.config().ownerUid(), Role.OWNER));
        }
    }

    /**
     * The rank a report ({@code overlay.subtree}, {@code overlay.interest}) is about, refused
     * unless it comes from that very child of {@code topology}'s broker (its last hop is {@code t<rank>}).
     */
    static int directChild(Message req, JsonNode body, Topology topology) throws RpcException {
        int child = body.path("rank").asInt(-1);
        if (!topology.children().contains(child) || !("t" + child).equals(req.lastHop())) {
            LOG.warn("ignoring {} about rank {} via {}: not a direct child reporting itself", req.topic(), child, req.lastHop());
            throw new RpcException(Errno.EINVAL, req.topic() + " comes from a direct child about itself; rank "
                    + child + " via " + req.lastHop() + " is not one of rank " + topology.rank() + "'s children");
        }
        return child;
    }

    private void fromChild(Message req) throws RpcException {
        JsonNode b = Payloads.tree(req.payload());
        int child = directChild(req, b, topology);
        Map<String, IdSet> members = new LinkedHashMap<>();
        for (String word : Subtree.WORDS) {
            try {
                members.put(word, IdSet.parse(b.path("members").path(word).asText("")));
            } catch (IllegalArgumentException e) {
                LOG.warn("ignoring an unreadable overlay.subtree from rank {}: {}", child, e.getMessage());
                throw new RpcException(Errno.EPROTO, "unreadable overlay.subtree from rank " + child + ": " + e.getMessage());
            }
        }
        subtree.report(child, b.path("state").asText(""), members);
        changed();
    }

    private void members(Message req) {
        ctx.router().respond(req.response(Payloads.encode(encode(subtree.members(topology.rank())))));
    }

    private static Map<String, String> encode(Map<String, IdSet> members) {
        Map<String, String> out = new LinkedHashMap<>();
        members.forEach((w, ids) -> out.put(w, ids.toString()));
        return out;
    }
}
