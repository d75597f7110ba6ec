package io.canopy.statestore;

import io.canopy.broker.CheckpointStore;
import io.canopy.module.Checkpoint;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A follower's checkpoints: kept in memory while the broker runs, built at start from the snapshot
 * its parent handed back, and handed up again as a snapshot at shutdown. A follower has no disk
 * state of its own; the leader's {@link DurableStore} is where everything ends up.
 *
 * <p>Areas stage changes as the leader's do, and {@code commit} publishes them to this store (it
 * cannot fail). Only committed values go into {@link #snapshot}.
 */
public final class HandedStore implements CheckpointStore {
    private final Map<String, MemoryAreaStorage> committed = new ConcurrentHashMap<>();
    private final Map<String, StagedArea> areas = new ConcurrentHashMap<>();
    private final Map<Integer, byte[]> handedBack;

    private HandedStore(Map<String, Map<String, byte[]>> areas, Map<Integer, byte[]> children) {
        areas.forEach((module, values) -> committed.put(module, new MemoryAreaStorage(values)));
        this.handedBack = children;
    }

    /** A store with nothing in it, for a follower whose parent had no checkpoint for it. */
    public static HandedStore empty() {
        return new HandedStore(Map.of(), Map.of());
    }

    /** A store holding the areas of {@code s}, and its children's checkpoints to hand back down. */
    public static HandedStore from(Snapshot s) {
        return new HandedStore(s.areas(), s.children());
    }

    @Override
    public Checkpoint area(String module) {
        return areas.computeIfAbsent(module, m -> new StagedArea(storage(m)));
    }

    /** The checkpoint that child {@code rank} handed up before, from the snapshot this store was built from. */
    public Optional<byte[]> child(int rank) {
        byte[] v = handedBack.get(rank);
        return v != null ? Optional.of(v.clone()) : Optional.empty();
    }

    /**
     * What to hand up at shutdown: the committed state of every area that has any, and the
     * checkpoints {@code children} handed up to this broker on their way out.
     */
    public Snapshot snapshot(int rank, String host, Map<Integer, byte[]> children) {
        Map<String, Map<String, byte[]>> values = new TreeMap<>();
        committed.forEach((module, storage) -> {
            Map<String, byte[]> copy = storage.copy();
            if (!copy.isEmpty()) {
                values.put(module, copy);
            }
        });
        return Snapshot.of(rank, host, values, children);
    }

    private MemoryAreaStorage storage(String module) {
        return committed.computeIfAbsent(module, m -> new MemoryAreaStorage(Map.of()));
    }
}
