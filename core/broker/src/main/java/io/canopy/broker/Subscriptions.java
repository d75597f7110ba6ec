package io.canopy.broker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Event subscriptions by topic prefix, per endpoint. An endpoint receives an event once however
 * many of its prefixes match. Used only on the broker thread.
 */
final class Subscriptions {
    private final Map<String, Set<String>> prefixesByEndpoint = new HashMap<>();
    private final Map<String, Endpoint> endpoints = new HashMap<>();

    void add(Endpoint endpoint, String prefix) {
        endpoints.put(endpoint.id(), endpoint);
        prefixesByEndpoint.computeIfAbsent(endpoint.id(), k -> new LinkedHashSet<>()).add(prefix);
    }

    /** Returns true when the endpoint had this exact prefix. */
    boolean remove(String endpointId, String prefix) {
        Set<String> set = prefixesByEndpoint.get(endpointId);
        if (set == null || !set.remove(prefix)) {
            return false;
        }
        if (set.isEmpty()) {
            prefixesByEndpoint.remove(endpointId);
            endpoints.remove(endpointId);
        }
        return true;
    }

    /** Drops every subscription of an endpoint that went away; returns how many there were. */
    int removeAll(String endpointId) {
        endpoints.remove(endpointId);
        Set<String> set = prefixesByEndpoint.remove(endpointId);
        return set == null ? 0 : set.size();
    }

    /** The endpoints with at least one prefix matching {@code topic}. */
    List<Endpoint> matching(String topic) {
        List<Endpoint> out = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : prefixesByEndpoint.entrySet()) {
            for (String prefix : e.getValue()) {
                if (topic.startsWith(prefix)) {
                    out.add(endpoints.get(e.getKey()));
                    break;
                }
            }
        }
        return out;
    }

    /** Total number of (endpoint, prefix) subscriptions. */
    int count() {
        return prefixesByEndpoint.values().stream().mapToInt(Set::size).sum();
    }
}
