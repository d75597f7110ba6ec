package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.NodeId;
import io.canopy.message.Role;
import io.canopy.module.Access;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Moves messages between the endpoints of one broker and along the tree: requests to the service
 * that owns their topic here, or towards the rank they name (after checking the caller's role and
 * the broker's state); responses back along their route; events up to the leader, which numbers
 * them, and from there down to every broker and every matching subscriber. Used only on the
 * broker thread.
 */
final class Router {
    private static final Logger LOG = LogManager.getLogger(Router.class);

    private final Topology topology;
    private final Supplier<BrokerState> state;
    private final BooleanSupplier hasRun;
    private final ServiceRegistry registry = new ServiceRegistry();
    private final Subscriptions subscriptions = new Subscriptions();
    private final EventInterest interest = new EventInterest();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Map<Integer, ChildLink> childLinks = new HashMap<>();
    private OverlayView view = new OverlayView(java.util.List.of());
    private ParentLink parent;
    private long eventSeq;
    private long requestsRouted;
    private long responsesDropped;
    private long eventGaps;
    private long heldBack;
    private long eventsSent;
    private long eventsFiltered;
    /** The parent sends only the events this subtree subscribes to, so sequence numbers skip. */
    private boolean parentFilters;

    Router(Topology topology, Supplier<BrokerState> state, BooleanSupplier hasRun) {
        this.topology = topology;
        this.state = state;
        this.hasRun = hasRun;
    }

    /** Connects the router to the tree: the link up (null for the leader) and one per child. */
    void links(ParentLink up, Map<Integer, ChildLink> down, OverlayView overlayView) {
        this.parent = up;
        this.view = overlayView;
        if (up != null) {
            endpoints.put(up.id(), up);
        }
        childLinks.putAll(down);
        down.values().forEach(e -> endpoints.put(e.id(), e));
    }

    ServiceRegistry registry() {
        return registry;
    }

    Subscriptions subscriptions() {
        return subscriptions;
    }

    /** What each child's subtree subscribes to, for {@link #spread}. */
    EventInterest interest() {
        return interest;
    }

    /** Events sent down to children, and those not sent because no one below wanted them. */
    long eventsSent() {
        return eventsSent;
    }

    long eventsFiltered() {
        return eventsFiltered;
    }

    /**
     * The parent took this subtree's interest: from now on it sends only matching events, so a
     * skip in their sequence numbers is no longer a sign of loss; the parent says what was lost
     * instead ({@link #missedWhileAway}).
     */
    void parentFilters() {
        parentFilters = true;
    }

    /** The parent says this broker missed {@code n} events it subscribes to while its link was down. */
    void missedWhileAway(long n) {
        eventGaps += n;
        LOG.warn("missed {} event(s) while the link to the parent was down (the parent counted them)", n);
    }

    void attach(Endpoint endpoint) {
        endpoints.put(endpoint.id(), endpoint);
    }

    /** Forgets an endpoint that went away, with its subscriptions; late responses to it are dropped. */
    void detach(String endpointId) {
        endpoints.remove(endpointId);
        int subs = subscriptions.removeAll(endpointId);
        if (subs > 0) {
            LOG.debug("{} went away: dropped {} subscription(s)", endpointId, subs);
        }
    }

    Optional<Endpoint> endpoint(String id) {
        return Optional.ofNullable(endpoints.get(id));
    }

    long requestsRouted() {
        return requestsRouted;
    }

    long responsesDropped() {
        return responsesDropped;
    }

    long lastEventSeq() {
        return eventSeq;
    }

    long eventGaps() {
        return eventGaps;
    }

    /** Answers held back from neighbours during a shutdown ({@link #respond}). */
    long heldBack() {
        return heldBack;
    }

    private boolean shuttingDown() {
        return state.get().ordinal() >= BrokerState.CLEANUP.ordinal();
    }

    /** Takes a message a local endpoint (client or module) sent; credentials already set. */
    void fromEndpoint(Endpoint from, Message m) {
        switch (m.type()) {
            case REQUEST -> request(m.pushRoute(from.id()));
            case RESPONSE -> respond(m);
            case EVENT -> publish(m.withSeq(0));
            case CONTROL -> LOG.debug("ignoring control message {} from {}", m.topic(), from.id());
        }
    }

    /** Takes a message from a tree neighbour: {@code hop} is {@code p} or {@code t<rank>}. */
    void fromPeer(String hop, Message m) {
        // Peers are authenticated instance brokers; the local role belongs to the first connector only.
        Message in = m.withCredentials(m.userid(), m.rolemask() & ~Role.LOCAL);
        switch (in.type()) {
            case REQUEST -> request(in.pushRoute(hop));
            case RESPONSE -> {
                if (hop.equals("p") && parent != null) {
                    parent.settled(in);
                } else if (hop.startsWith("t")) {
                    ChildLink child = childLinks.get(childRank(hop));
                    if (child != null) {
                        child.settled(in);
                    }
                }
                respond(in);
            }
            case EVENT -> {
                if (hop.equals("p")) {
                    eventFromParent(in);
                } else {
                    publish(in);
                }
            }
            case CONTROL -> LOG.debug("ignoring control message {} from {}", in.topic(), hop);
        }
    }

    /** Delivers a request whose route ends with its sender's hop. */
    void request(Message req) {
        requestsRouted++;
        int dest = req.nodeid();
        Optional<ServiceRegistry.Method> local = registry.method(req.topic());
        // ANY is served here only when this broker has the very topic: a module idle on followers
        // (it still answers NAME.ping) must not hide the leader's NAME.* from them.
        boolean here = dest == topology.rank() || (dest == NodeId.ANY && (local.isPresent() || parent == null));
        boolean early = here ? local.isPresent() && local.get().early() : fromPeer(req);
        if (!hasRun.getAsBoolean() && !early) {
            BrokerState now = state.get();
            fail(req, Errno.EAGAIN, "not ready (state " + now.label() + "): the broker is "
                    + (now.ordinal() < BrokerState.RUN.ordinal()
                            ? "still starting; `canopy uptime` shows its progress" : "shutting down"));
            return;
        }
        if (here) {
            deliverLocally(req, local);
            return;
        }
        if (dest == NodeId.ANY || dest == NodeId.UPSTREAM) {
            if (parent == null) {
                fail(req, Errno.EHOSTUNREACH, "no route upstream: rank " + topology.rank() + " is the leader");
                return;
            }
            parent.deliver(req.withNodeid(NodeId.ANY));
            return;
        }
        if (dest < 0 || dest >= topology.size()) {
            fail(req, Errno.EHOSTUNREACH, "no route to rank " + dest + ": this instance has " + topology.size()
                    + " broker" + (topology.size() == 1 ? "" : "s") + " (ranks 0-" + (topology.size() - 1) + ")");
            return;
        }
        int hop = topology.nextHop(dest);
        if (hop == Topology.PARENT) {
            parent.deliver(req);
            return;
        }
        PeerStatus status = view.statusOf(hop);
        if (status != PeerStatus.ONLINE && status != PeerStatus.TORPID) {
            fail(req, Errno.EHOSTUNREACH, "no route to rank " + dest + ": "
                    + (hop == dest ? "it" : "rank " + hop + " on the way") + " (" + topology.host(hop) + ") is "
                    + status.label());
            return;
        }
        childLinks.get(hop).deliver(req);
    }

    /** A child is lost or gone: requests it had not answered are answered EHOSTUNREACH here. */
    void childGone(int rank, PeerStatus status) {
        ChildLink child = childLinks.get(rank);
        if (child != null) {
            child.gone(status.label());
        }
    }

    private static int childRank(String hop) {
        try {
            return Integer.parseInt(hop.substring(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** True for a request from a tree neighbour or the broker itself (it may pass through before run). */
    private static boolean fromPeer(Message req) {
        String hop = req.lastHop();
        return hop != null && (hop.equals("p") || hop.startsWith("t") || hop.equals("b"));
    }

    private void deliverLocally(Message req, Optional<ServiceRegistry.Method> found) {
        if (found.isEmpty()) {
            fail(req, Errno.ENOSYS, noSuchService(req));
            return;
        }
        ServiceRegistry.Method method = found.get();
        if (method.access() == Access.OWNER && !Role.has(req.rolemask(), Role.OWNER)) {
            LOG.warn("denied {} to uid {} ({}): owner role required", req.topic(), req.userid(),
                    Role.describe(req.rolemask()));
            fail(req, Errno.EPERM, "permission denied: owner role required for " + req.topic());
            return;
        }
        if (method.handler() != null) {
            try {
                method.handler().handle(req);
            } catch (io.canopy.module.RpcException e) {
                respond(req.errorResponse(e.errnum(), e.getMessage()));
            } catch (Exception e) {
                LOG.error("built-in {} failed: {}", req.topic(), e.toString(), e);
                respond(req.errorResponse(Errno.EIO, req.topic() + " failed: " + e.getMessage()));
            }
        } else {
            method.module().deliver(req);
        }
    }

    private void fail(Message req, int errnum, String text) {
        respond(req.errorResponse(errnum, text));
    }

    /**
     * Sends a response back along its route; drops it (logged) when the hop is gone. While this
     * broker shuts down, a "no such service" answer for a neighbour is held back instead: the
     * service is gone only because its module stopped, and the neighbour sends the request again
     * once this broker is back (it keeps requests in flight across a lost link), so the request
     * waits instead of failing, as requests do while the service brokers are away.
     */
    void respond(Message resp) {
        if (resp.hasFlag(Message.FLAG_NORESPONSE) || resp.type() != MessageType.RESPONSE) {
            return;
        }
        String hop = resp.lastHop();
        if (resp.errnum() == Errno.ENOSYS && shuttingDown() && hop != null && (hop.equals("p") || hop.startsWith("t"))) {
            heldBack++;
            LOG.debug("holding back the answer to {} for {}: shutting down; it is asked again once this broker is back",
                    resp.topic(), hop);
            return;
        }
        Endpoint to = hop == null ? null : endpoints.get(hop);
        if (to == null) {
            responsesDropped++;
            LOG.debug("dropping response {} for {}: it went away", resp.topic(), hop);
            return;
        }
        to.deliver(resp.popRoute());
    }

    /** An event published in this subtree: the leader numbers and spreads it; others pass it up. */
    void publish(Message event) {
        if (parent != null) {
            parent.deliver(event);
            return;
        }
        spread(event.withSeq(++eventSeq));
    }

    private void eventFromParent(Message event) {
        long expected = eventSeq + 1;
        if (eventSeq != 0 && event.seq() > expected && !parentFilters) {
            eventGaps++;
            LOG.warn("event sequence gap: expected {}, got {} ({}): {} event(s) missed while the parent link was down",
                    expected, event.seq(), event.topic(), event.seq() - expected);
        } else if (eventSeq != 0 && event.seq() < expected) {
            LOG.info("event sequence starts again at {} ({}) after {}: the leader restarted", event.seq(), event.topic(),
                    eventSeq);
        }
        eventSeq = event.seq();
        spread(event);
    }

    /**
     * Hands a numbered event to every matching local subscriber and to every online child whose
     * subtree subscribes to it; a child that said it wants it but is away has it counted as missed.
     */
    private void spread(Message event) {
        for (Endpoint e : subscriptions.matching(event.topic())) {
            e.deliver(event);
        }
        for (Map.Entry<Integer, ChildLink> c : childLinks.entrySet()) {
            int rank = c.getKey();
            if (!interest.wants(rank, event.topic())) {
                eventsFiltered++;
                continue;
            }
            PeerStatus s = view.statusOf(rank);
            if (s == PeerStatus.ONLINE || s == PeerStatus.TORPID) {
                eventsSent++;
                c.getValue().deliver(event);
                if (s == PeerStatus.TORPID) {
                    interest.sentWhileTorpid(rank);
                }
            } else if (interest.known(rank)) { // it had a session with this broker, and comes back to it
                interest.missed(rank);
            }
        }
    }

    private String noSuchService(Message req) {
        String service = req.service();
        if (registry.serviceOwner(service).isPresent()) {
            return "unknown method " + req.topic() + ": service '" + service + "' has no such method";
        }
        if (shuttingDown()) {
            return "no service '" + service + "' on rank " + topology.rank() + ": the broker is shutting down and its "
                    + "modules have stopped; try again once it is back";
        }
        return "no service '" + service + "' on rank " + topology.rank()
                + ": is its module loaded? (`canopy module list`)";
    }
}
