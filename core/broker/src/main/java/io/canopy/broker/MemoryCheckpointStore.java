package io.canopy.broker;

import io.canopy.module.Checkpoint;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checkpoints kept in memory for the life of the broker process: a module's state outlives its own
 * reload, not a broker restart (unless it is handed up and back, see {@link MemoryStateKeeper}).
 * Areas stage changes as the durable store's do ({@link StagedArea}), and {@code commit} publishes
 * them here (it cannot fail); only committed values are {@link #committed}.
 */
public final class MemoryCheckpointStore implements CheckpointStore {
    private final Map<String, MemoryAreaStorage> committed = new ConcurrentHashMap<>();
    private final Map<String, StagedArea> areas = new ConcurrentHashMap<>();

    /** A store with nothing in it. */
    public MemoryCheckpointStore() {
        this(Map.of());
    }

    /** A store whose areas start with {@code contents} (module name to key to value), copied. */
    public MemoryCheckpointStore(Map<String, Map<String, byte[]>> contents) {
        contents.forEach((module, values) -> committed.put(module, new MemoryAreaStorage(values)));
    }

    @Override
    public Checkpoint area(String module) {
        return areas.computeIfAbsent(module, m -> new StagedArea(storage(m)));
    }

    /** The committed state of every area that has any, copied: module name to key to value. */
    public Map<String, Map<String, byte[]>> committed() {
        Map<String, Map<String, byte[]>> values = new TreeMap<>();
        committed.forEach((module, storage) -> {
            Map<String, byte[]> copy = storage.copy();
            if (!copy.isEmpty()) {
                values.put(module, copy);
            }
        });
        return values;
    }

    private MemoryAreaStorage storage(String module) {
        return committed.computeIfAbsent(module, m -> new MemoryAreaStorage(Map.of()));
    }
}
