package io.canopy.broker;

import io.canopy.module.Access;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which topics this broker serves, who serves them, and who may call them. A service (the part of a
 * topic before the first dot) belongs to one owner: the broker itself or one module. Thread-safe: modules
 * register topics from their own threads while the broker thread looks them up.
 */
final class ServiceRegistry {

    /** How one topic is served. {@code handler} is set for built-ins, {@code module} for modules. */
    record Method(String topic, Access access, boolean early, BuiltinHandler handler, Endpoint module) {}

    private final Map<String, String> serviceOwner = new TreeMap<>();
    private final Map<String, Method> methods = new TreeMap<>();

    /** Registers a built-in topic; {@code early} ones answer before the broker reaches run. */
    synchronized void addBuiltin(String topic, Access access, boolean early, BuiltinHandler handler) {
        claim(topic, "broker");
        methods.put(topic, new Method(topic, access, early, handler, null));
    }

    /**
     * Registers a module's topic.
     *
     * @throws IllegalStateException when the service belongs to someone else
     */
    synchronized void addModuleTopic(String topic, Access access, Endpoint module) {
        claim(topic, module.id());
        methods.put(topic, new Method(topic, access, false, null, module));
    }

    /** Removes every topic of {@code owner}; returns how many services it held. */
    synchronized int removeOwner(String owner) {
        methods.values().removeIf(m -> m.module() != null && m.module().id().equals(owner));
        int before = serviceOwner.size();
        serviceOwner.values().removeIf(owner::equals);
        return before - serviceOwner.size();
    }

    synchronized Optional<Method> method(String topic) {
        return Optional.ofNullable(methods.get(topic));
    }

    /** The id of the service's owner ({@code broker} for built-ins), if anyone serves it. */
    synchronized Optional<String> serviceOwner(String service) {
        return Optional.ofNullable(serviceOwner.get(service));
    }

    /** The services an owner holds, sorted. */
    synchronized java.util.List<String> servicesOf(String owner) {
        return serviceOwner.entrySet().stream()
                .filter(e -> e.getValue().equals(owner)).map(Map.Entry::getKey).toList();
    }

    private void claim(String topic, String owner) {
        int dot = topic.indexOf('.');
        if (dot <= 0 || dot == topic.length() - 1) {
            throw new IllegalArgumentException("topic '" + topic + "' is not of the form service.method");
        }
        String service = topic.substring(0, dot);
        String holder = serviceOwner.putIfAbsent(service, owner);
        if (holder != null && !holder.equals(owner)) {
            throw new IllegalStateException("service '" + service + "' is already served by "
                    + describe(holder));
        }
    }

    private static String describe(String owner) {
        return owner.startsWith("m:") ? "module " + owner.substring(2) : "the broker";
    }
}
