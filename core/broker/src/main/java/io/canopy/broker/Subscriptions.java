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
    private Runnable onChange = () -> { };

    /** Runs {@code listener} whenever the set of subscribed prefixes may have changed. */
    void onChange(Runnable listener) {
        this.onChange = listener;
    }

    void add(Endpoint endpoint, String prefix) {
        endpoints.put(endpoint.id(), endpoint);
        if (prefixesByEndpoint.computeIfAbsent(endpoint.id(), k -> new LinkedHashSet<>()).add(prefix)) {
            onChange.run();
        }
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
        onChange.run();
        return true;
    }

    /** Drops every subscription of an endpoint that went away; returns how many there were. */
    int removeAll(String endpointId) {
        endpoints.remove(endpointId);
        Set<String> set = prefixesByEndpoint.remove(endpointId);
        if (set == null) {
            return 0;
        }
        onChange.run();
        return set.size();
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

    /** Every prefix subscribed here, by any endpoint. */
    Set<String> prefixes() {
        Set<String> all = new java.util.HashSet<>();
        prefixesByEndpoint.values().forEach(all::addAll);
        return all;
    }

    /** Total number of (endpoint, prefix) subscriptions. */
    int count() {
        return prefixesByEndpoint.values().stream().mapToInt(Set::size).sum();
    }
}
