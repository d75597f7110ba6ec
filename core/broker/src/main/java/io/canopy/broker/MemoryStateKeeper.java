package io.canopy.broker;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The state keeper without files of its own: a follower's (its state lives in memory while it runs,
 * is handed up to the parent at shutdown, with the checkpoints of its own children inside, and is
 * handed back at the next start), a one-broker instance's without a state directory, and tests'.
 * What is handed up is written in a {@link HandUpFormat}: the state store's checkpoint file in a
 * real instance, MessagePack by default.
 */
public final class MemoryStateKeeper implements StateKeeper {
    private final HandUpFormat format;
    private MemoryCheckpointStore store = new MemoryCheckpointStore();
    private final Map<Integer, byte[]> kept = new HashMap<>();

    /** A keeper that hands up MessagePack, for a one-broker instance and for tests. */
    public MemoryStateKeeper() {
        this(new MessagePackHandUp());
    }

    /** A keeper that hands up, and reads back, {@code format}. */
    public MemoryStateKeeper(HandUpFormat format) {
        this.format = format;
    }

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
        HandUpFormat.Contents c = format.read(fromParent);
        store = new MemoryCheckpointStore(c.areas());
        kept.putAll(c.children());
    }

    @Override
    public byte[] handUp(int rank, String host, Map<Integer, byte[]> children) throws IOException {
        Map<Integer, byte[]> all = new HashMap<>(kept);
        all.putAll(children); // what the children just handed up replaces what was kept for them
        return format.write(rank, host, new HandUpFormat.Contents(store.committed(), all));
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
