package io.canopy.broker;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** An area's committed state in memory, for {@code MemoryCheckpointStore}. */
final class MemoryAreaStorage implements AreaStorage {
    private final Map<String, byte[]> values = new ConcurrentHashMap<>();

    MemoryAreaStorage(Map<String, byte[]> initial) {
        initial.forEach((k, v) -> values.put(k, v.clone()));
    }

    @Override
    public Optional<byte[]> get(String key) {
        byte[] v = values.get(key);
        return v != null ? Optional.of(v.clone()) : Optional.empty();
    }

    @Override
    public Set<String> keys() {
        return new TreeSet<>(values.keySet());
    }

    @Override
    public synchronized void apply(Map<String, byte[]> puts, Set<String> removes) {
        values.putAll(puts);
        removes.forEach(values::remove);
    }

    /** The committed values, copied (arrays too). */
    synchronized Map<String, byte[]> copy() {
        Map<String, byte[]> copy = new TreeMap<>();
        values.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }
}
