package io.canopy.broker;

import io.canopy.module.Checkpoint;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checkpoints kept in memory for the life of the broker process: a module's state outlives its own
 * reload, not a broker restart. Each area has staged changes that {@code commit} publishes, as the
 * durable store does.
 */
public final class MemoryCheckpointStore implements CheckpointStore {
    private final Map<String, Area> areas = new ConcurrentHashMap<>();

    @Override
    public Checkpoint area(String module) {
        return areas.computeIfAbsent(module, k -> new Area());
    }

    /** Every area's committed contents. */
    public Map<String, Map<String, byte[]>> export() {
        Map<String, Map<String, byte[]>> out = new java.util.TreeMap<>();
        areas.forEach((name, area) -> out.put(name, Map.copyOf(area.committed)));
        return out;
    }

    /** Replaces the committed contents of the given areas (state handed back at start). */
    public void replace(Map<String, Map<String, byte[]>> contents) {
        contents.forEach((name, values) -> {
            Area a = (Area) area(name);
            synchronized (a) {
                a.committed.clear();
                a.committed.putAll(values);
            }
        });
    }

    private static final class Area implements Checkpoint {
        private final Map<String, byte[]> committed = new ConcurrentHashMap<>();
        private final Map<String, byte[]> staged = new HashMap<>();
        private final Set<String> removed = new TreeSet<>();

        @Override
        public synchronized Optional<byte[]> getBytes(String key) {
            if (removed.contains(key)) {
                return Optional.empty();
            }
            byte[] v = staged.get(key);
            return Optional.ofNullable(v != null ? v : committed.get(key));
        }

        @Override
        public synchronized void putBytes(String key, byte[] value) {
            removed.remove(key);
            staged.put(key, value.clone());
        }

        @Override
        public synchronized void remove(String key) {
            staged.remove(key);
            removed.add(key);
        }

        @Override
        public synchronized Set<String> keys() {
            Set<String> all = new TreeSet<>(committed.keySet());
            all.addAll(staged.keySet());
            all.removeAll(removed);
            return all;
        }

        @Override
        public synchronized void commit() {
            committed.putAll(staged);
            removed.forEach(committed::remove);
            staged.clear();
            removed.clear();
        }
    }
}
