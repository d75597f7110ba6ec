package io.canopy.broker;

import io.canopy.module.Checkpoint;
import io.canopy.module.RpcException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A module's area as the module sees it: its puts and removes are staged here, in memory, until
 * {@link #commit()} hands them to the storage in one step. A commit that fails keeps them staged,
 * so the module can commit again once the disk has room. Every checkpoint store has its areas
 * staged this way: {@code MemoryCheckpointStore} over memory, the state store's durable store
 * over its MapDB file.
 */
public final class StagedArea implements Checkpoint {
    private final AreaStorage committed;
    private final Map<String, byte[]> staged = new HashMap<>();
    private final Set<String> removed = new HashSet<>();

    /** An area whose committed state is kept by {@code committed}. */
    public StagedArea(AreaStorage committed) {
        this.committed = committed;
    }

    @Override
    public synchronized Optional<byte[]> getBytes(String key) {
        if (removed.contains(key)) {
            return Optional.empty();
        }
        byte[] v = staged.get(key);
        return v != null ? Optional.of(v.clone()) : committed.get(key);
    }

    @Override
    public synchronized void putBytes(String key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
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
        Set<String> all = new TreeSet<>(committed.keys());
        all.addAll(staged.keySet());
        all.removeAll(removed);
        return all;
    }

    @Override
    public synchronized void commit() throws RpcException {
        if (staged.isEmpty() && removed.isEmpty()) {
            return;
        }
        committed.apply(Map.copyOf(staged), Set.copyOf(removed));
        staged.clear();
        removed.clear();
    }
}
