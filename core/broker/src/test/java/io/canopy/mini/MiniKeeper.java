package io.canopy.mini;

import io.canopy.broker.CheckpointStore;
import io.canopy.broker.MemoryStateKeeper;
import io.canopy.broker.StateKeeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A broker's state keeper in a {@link MiniInstance}: a {@link MemoryStateKeeper}, marked durable
 * for the leader, whose committed areas and kept children outlive the leader's broker as its
 * {@code statedir} would ({@link #afterCrash}); a follower's, as in a real instance, does not.
 */
final class MiniKeeper implements StateKeeper {
    private final MemoryStateKeeper inner = new MemoryStateKeeper();
    private final boolean durable;
    /** What {@link #keepChildren} kept and nobody took yet, for the crash image and the tests. */
    private final Map<Integer, byte[]> kept = new ConcurrentHashMap<>();

    MiniKeeper(boolean durable) {
        this.durable = durable;
    }

    /** What a broker started after this one's broker ended finds: the durable part, or nothing. */
    MiniKeeper afterCrash() {
        MiniKeeper next = new MiniKeeper(durable);
        if (durable) {
            try { // the committed areas and the kept children, through the keeper's own image of them
                next.inner.restore(inner.handUp(0, "statedir", Map.of()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            next.kept.putAll(kept);
        }
        return next;
    }

    /** The checkpoints children handed up that are kept here, by rank. */
    Map<Integer, byte[]> keptChildren() {
        return Map.copyOf(kept);
    }

    @Override
    public CheckpointStore store() {
        return inner.store();
    }

    @Override
    public boolean durable() {
        return durable;
    }

    @Override
    public void restore(byte[] fromParent) throws IOException {
        inner.restore(fromParent);
    }

    @Override
    public byte[] handUp(int rank, String host, Map<Integer, byte[]> children) throws IOException {
        return inner.handUp(rank, host, children);
    }

    @Override
    public void keepChildren(Map<Integer, byte[]> children) {
        inner.keepChildren(children);
        kept.putAll(children);
    }

    @Override
    public Optional<byte[]> takeChild(int rank) {
        kept.remove(rank);
        return inner.takeChild(rank);
    }

    @Override
    public void dropChild(int rank) {
        kept.remove(rank);
        inner.dropChild(rank);
    }

    @Override
    public void close() {
        inner.close();
    }
}
