package io.canopy.statestore;

import io.canopy.broker.CheckpointStore;
import io.canopy.broker.StateKeeper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A follower's state: in memory while it runs, handed up to the parent as a checkpoint file at
 * shutdown and handed back at the next start, with the checkpoints of its own children inside.
 */
public final class FollowerKeeper implements StateKeeper {
    private HandedStore store = HandedStore.empty();
    private final Map<Integer, byte[]> kept = new HashMap<>();

    @Override
    public CheckpointStore store() {
        return store;
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public void restore(byte[] fromParent) throws IOException {
        if (fromParent.length == 0) {
            return;
        }
        Snapshot s = CheckpointFile.fromBytes(fromParent);
        store = HandedStore.from(s);
        kept.putAll(s.children());
    }

    @Override
    public byte[] handUp(int rank, String host, Map<Integer, byte[]> children) throws IOException {
        Map<Integer, byte[]> all = new HashMap<>(kept);
        all.putAll(children); // what the children just handed up replaces what was kept for them
        return CheckpointFile.toBytes(store.snapshot(rank, host, all));
    }

    @Override
    public void keepChildren(Map<Integer, byte[]> children) {
        kept.putAll(children);
    }

    @Override
    public Optional<byte[]> takeChild(int rank) {
        return Optional.ofNullable(kept.remove(rank));
    }

    @Override
    public void dropChild(int rank) {
        kept.remove(rank);
    }

    @Override
    public void close() {}
}
