package io.canopy.broker;

import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A keeper without files, for a one-broker instance without a state directory and for tests:
 * checkpoints live as long as the process; what is handed up is MessagePack of the areas and the
 * children's checkpoints.
 */
public final class MemoryStateKeeper implements StateKeeper {
    private final MemoryCheckpointStore store = new MemoryCheckpointStore();
    private final Map<Integer, byte[]> children = new HashMap<>();

    /** What a memory keeper hands up. */
    record Handed(int rank, String host, Map<String, Map<String, byte[]>> areas, Map<Integer, byte[]> children) {}

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
        try {
            Handed h = Payloads.decode(fromParent, Handed.class);
            store.replace(h.areas());
            children.putAll(h.children());
        } catch (RpcException e) {
            throw new IOException("the checkpoint from the parent is unreadable: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] handUp(int rank, String host, Map<Integer, byte[]> handed) {
        return Payloads.encode(new Handed(rank, host, store.export(), handed));
    }

    @Override
    public void keepChildren(Map<Integer, byte[]> handed) {
        children.putAll(handed);
    }

    @Override
    public Optional<byte[]> takeChild(int rank) {
        return Optional.ofNullable(children.remove(rank));
    }

    @Override
    public void dropChild(int rank) {
        children.remove(rank);
    }

    @Override
    public void close() {}
}
