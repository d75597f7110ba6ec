package io.canopy.statestore;

import io.canopy.broker.CheckpointStore;
import io.canopy.broker.StateKeeper;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The leader's state: module areas and the checkpoints its children handed up, all in
 * {@code statedir/state.db}, committed as they change. A child's kept checkpoint is handed back
 * once and then forgotten, so a broker never gets stale state twice.
 */
public final class LeaderKeeper implements StateKeeper {
    private final DurableStore store;

    private LeaderKeeper(DurableStore store) {
        this.store = store;
    }

    /** Opens (or creates) {@code statedir/state.db}; errors name the path and the fix. */
    public static LeaderKeeper open(Path statedir) throws IOException {
        return new LeaderKeeper(DurableStore.open(statedir));
    }

    @Override
    public CheckpointStore store() {
        return store;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public void restore(byte[] fromParent) {
        // The leader restores from its own disk; it has no parent.
    }

    @Override
    public byte[] handUp(int rank, String host, Map<Integer, byte[]> children) throws IOException {
        return CheckpointFile.toBytes(Snapshot.of(rank, host, Map.of(), children));
    }

    @Override
    public void keepChildren(Map<Integer, byte[]> children) throws IOException {
        try {
            store.saveChildren(children);
        } catch (RpcException x) {
            throw new IOException(x.getMessage(), x);
        }
    }

    @Override
    public Optional<byte[]> takeChild(int rank) throws IOException {
        Optional<byte[]> kept = store.child(rank).filter(b -> b.length > 0);
        if (kept.isPresent()) {
            dropChild(rank);
        }
        return kept;
    }

    @Override
    public void dropChild(int rank) throws IOException {
        if (store.child(rank).filter(b -> b.length > 0).isEmpty()) {
            return;
        }
        try {
            store.saveChild(rank, new byte[0]);
        } catch (RpcException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
