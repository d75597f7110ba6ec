package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.Overlay;
import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The broker's view of the tree, for {@code canopy overlay}:
 * <ul>
 *   <li>{@code overlay.status} (user, answers before run): this broker's rank, host, state, its
 *       parent link, each child's status with the time and reason of its last change, and the
 *       links' {@code security} ({@code curve}, or {@code plain} TCP without a certificate).
 *   <li>{@code overlay.topology} (user, early): the configured tree ({@code children} of every rank
 *       and each rank's host), so a client can draw ranks it cannot reach.
 *   <li>{@code overlay.disconnect} (owner): {@code {"rank": N}} drops a direct child.
 *   <li>{@code broker.online} (owner, early; sent by followers to rank 0): counts towards quorum.
 * </ul>
 */
final class OverlayServices {
    private final BrokerContext ctx;
    private final Overlay overlay;
    private final ParentLink parentLink;
    private final Supplier<Map<String, Object>> runningConfig;
    private final IntConsumer online;

    /**
     * {@code overlay} and {@code parentLink} are null for a broker without them; {@code
     * runningConfig} is the configuration in force; {@code online} counts a rank towards the quorum.
     */
    OverlayServices(BrokerContext ctx, Overlay overlay, ParentLink parentLink,
            Supplier<Map<String, Object>> runningConfig, IntConsumer online) {
        this.ctx = ctx;
        this.overlay = overlay;
        this.parentLink = parentLink;
        this.runningConfig = runningConfig;
        this.online = online;
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("overlay.status", Access.USER, true, this::status);
        registry.addBuiltin("overlay.topology", Access.USER, true, this::topology);
        registry.addBuiltin("overlay.disconnect", Access.OWNER, false, this::disconnect);
        registry.addBuiltin("broker.online", Access.OWNER, true, this::online);
    }

    private void status(Message req) {
        Topology t = ctx.topology();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rank", t.rank());
        out.put("host", t.host(t.rank()));
        out.put("size", t.size());
        out.put("state", ctx.state().label());
        out.put("parent", t.parent() < 0 ? null : t.parent());
        OverlayView v = ctx.view();
        if (t.parent() >= 0) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("up", v.parentUp());
            p.put("state", v.parentState());
            p.put("reason", v.parentWhy());
            p.put("waiting", parentLink == null ? 0 : parentLink.waiting());
            p.put("connects", v.parentConnects());
            out.put("parentLink", p);
        }
        List<Map<String, Object>> children = new ArrayList<>();
        for (OverlayView.Child c : v.children()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rank", c.rank());
            m.put("host", t.host(c.rank()));
            m.put("status", c.status().label());
            m.put("since", c.since().toEpochMilli());
            m.put("reason", c.why());
            m.put("connects", v.connects(c.rank()));
            if (overlay != null) {
                overlay.silence(c.rank()).ifPresent(d -> m.put("heardMsAgo", d.toMillis()));
            }
            children.add(m);
        }
        out.put("children", children);
        List<Map<String, Object>> refused = new ArrayList<>();
        for (OverlayView.Refusal f : v.refusals()) {
            refused.add(Map.of("peer", f.peer(), "reason", f.why(), "count", f.count(), "last", f.last().toEpochMilli()));
        }
        out.put("refused", refused);
        out.put("security", security());
        out.put("eventSeq", ctx.router().lastEventSeq());
        out.put("eventGaps", ctx.router().eventGaps());
        out.put("eventsSent", ctx.router().eventsSent());
        out.put("eventsFiltered", ctx.router().eventsFiltered());
        ctx.router().respond(req.response(Payloads.encode(out)));
    }

    /**
     * How the links are protected: {@code curve} (encrypted, only holders of the instance
     * certificate are admitted), {@code plain} (TCP without {@code bootstrap.curve_cert}: anyone who
     * reaches a port can join) or {@code none} (a broker without links).
     */
    private String security() {
        if (overlay == null) {
            return "none";
        }
        Object boot = runningConfig.get().get("bootstrap");
        return boot instanceof Map<?, ?> b && b.get("curve_cert") == null ? "plain" : "curve";
    }

    private void topology(Message req) {
        Topology t = ctx.topology();
        List<Map<String, Object>> ranks = new ArrayList<>();
        for (int r = 0; r < t.size(); r++) {
            ranks.add(Map.of("rank", r, "host", t.host(r), "children", t.childrenOf(r)));
        }
        ctx.router().respond(req.response(Payloads.encode(Map.of("size", t.size(), "ranks", ranks))));
    }

    private void disconnect(Message req) throws RpcException {
        int rank = Payloads.tree(req.payload()).path("rank").asInt(-1);
        Topology t = ctx.topology();
        if (!t.children().contains(rank)) {
            throw new RpcException(Errno.EINVAL, "rank " + rank + " is not a child of rank " + t.rank()
                    + "; send this to its parent (`canopy overlay disconnect` finds it)");
        }
        if (overlay == null) {
            throw new RpcException(Errno.EINVAL, "this broker has no overlay");
        }
        overlay.disconnectChild(rank, "administrative disconnect");
        ctx.router().respond(req.response(Payloads.encode(Map.of("rank", rank, "host", t.host(rank)))));
    }

    private void online(Message req) throws RpcException {
        online.accept(Payloads.tree(req.payload()).path("rank").asInt());
    }
}
