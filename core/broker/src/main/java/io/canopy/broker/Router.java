package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.NodeId;
import io.canopy.message.Role;
import io.canopy.module.Access;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Moves messages between the endpoints of one broker: requests to the service that owns their
 * topic (after checking the caller's role and the broker's state), responses back along their
 * route, events to every matching subscriber. Used only on the broker thread.
 */
final class Router {
    private static final Logger LOG = LogManager.getLogger(Router.class);

    private final int rank;
    private final int size;
    private final Supplier<BrokerState> state;
    private final ServiceRegistry registry = new ServiceRegistry();
    private final Subscriptions subscriptions = new Subscriptions();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private long eventSeq;
    private long requestsRouted;
    private long responsesDropped;

    Router(int rank, int size, Supplier<BrokerState> state) {
        this.rank = rank;
        this.size = size;
        this.state = state;
    }

    ServiceRegistry registry() {
        return registry;
    }

    Subscriptions subscriptions() {
        return subscriptions;
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

    int endpointCount(String idPrefix) {
        return (int) endpoints.keySet().stream().filter(id -> id.startsWith(idPrefix)).count();
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

    /** Takes a message an endpoint sent; its credentials are already set by that endpoint. */
    void fromEndpoint(Endpoint from, Message m) {
        switch (m.type()) {
            case REQUEST -> request(m.pushRoute(from.id()));
            case RESPONSE -> respond(m);
            case EVENT -> publish(m);
            case CONTROL -> LOG.debug("ignoring control message {} from {}", m.topic(), from.id());
        }
    }

    /** Delivers a request whose route ends with its sender's hop. */
    void request(Message req) {
        requestsRouted++;
        if (req.nodeid() != NodeId.ANY && req.nodeid() != rank) {
            String where = req.nodeid() == NodeId.UPSTREAM ? "upstream" : "rank " + req.nodeid();
            respond(req.errorResponse(Errno.EHOSTUNREACH, "no route to " + where
                    + ": this instance has " + size + " broker" + (size == 1 ? "" : "s")
                    + " (ranks 0-" + (size - 1) + ")"));
            return;
        }
        Optional<ServiceRegistry.Method> found = registry.method(req.topic());
        if (found.isEmpty()) {
            respond(req.errorResponse(Errno.ENOSYS, noSuchService(req)));
            return;
        }
        ServiceRegistry.Method method = found.get();
        BrokerState now = state.get();
        if (!now.serves() && !method.early()) {
            respond(req.errorResponse(Errno.EAGAIN, "not ready (state " + now.label()
                    + "): the broker is " + (now.ordinal() < BrokerState.RUN.ordinal()
                            ? "still starting; `canopy uptime` shows its progress"
                            : "shutting down")));
            return;
        }
        if (method.access() == Access.OWNER && !Role.has(req.rolemask(), Role.OWNER)) {
            LOG.warn("denied {} to uid {} ({}): owner role required", req.topic(), req.userid(),
                    Role.describe(req.rolemask()));
            respond(req.errorResponse(Errno.EPERM, "permission denied: owner role required for "
                    + req.topic()));
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

    /** Sends a response back along its route; drops it (logged) when the hop is gone. */
    void respond(Message resp) {
        if (resp.hasFlag(Message.FLAG_NORESPONSE) || resp.type() != MessageType.RESPONSE) {
            return;
        }
        String hop = resp.lastHop();
        Endpoint to = hop == null ? null : endpoints.get(hop);
        if (to == null) {
            responsesDropped++;
            LOG.debug("dropping response {} for {}: it went away", resp.topic(), hop);
            return;
        }
        to.deliver(resp.popRoute());
    }

    /** Numbers an event and hands it to every matching subscriber. */
    void publish(Message event) {
        Message numbered = event.withSeq(++eventSeq);
        for (Endpoint e : subscriptions.matching(numbered.topic())) {
            e.deliver(numbered);
        }
    }

    private String noSuchService(Message req) {
        String service = req.service();
        if (registry.serviceOwner(service).isPresent()) {
            return "unknown method " + req.topic() + ": service '" + service
                    + "' has no such method";
        }
        return "no service '" + service + "' on rank " + rank
                + ": is its module loaded? (`canopy module list`)";
    }
}
