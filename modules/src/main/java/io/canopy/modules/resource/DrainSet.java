package io.canopy.modules.resource;

import com.fasterxml.jackson.core.type.TypeReference;
import io.canopy.module.Checkpoint;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The drained ranks, persisted in the module's checkpoint under {@code drain} and committed on
 * every change: a drain the operator saw succeed is on disk (on the leader) before the answer
 * goes out. A change that cannot be committed is undone and reported.
 */
final class DrainSet {
    private static final String KEY = "drain";
    private final Checkpoint checkpoint;
    private final TreeMap<Integer, Drain> drained = new TreeMap<>();

    DrainSet(Checkpoint checkpoint) throws RpcException {
        this.checkpoint = checkpoint;
        var raw = checkpoint.getBytes(KEY);
        if (raw.isPresent()) {
            try {
                Map<Integer, Drain> saved = Payloads.mapper().readValue(raw.get(), new TypeReference<Map<Integer, Drain>>() {});
                drained.putAll(saved);
            } catch (IOException e) {
                throw new RpcException(io.canopy.message.Errno.EPROTO, "the saved drain state is unreadable: " + e.getMessage());
            }
        }
    }

    Drain get(int rank) {
        return drained.get(rank);
    }

    Map<Integer, Drain> all() {
        return java.util.Collections.unmodifiableMap(drained);
    }

    /** Applies {@code change} and commits; on failure restores the previous set and rethrows. */
    void update(java.util.function.Consumer<TreeMap<Integer, Drain>> change) throws RpcException {
        update(change, () -> {}, () -> {});
    }

    /**
     * As {@link #update(java.util.function.Consumer)}, with {@code beforeCommit} staging more in
     * the same checkpoint (the eventlog entry that records the change), so both are committed
     * together; {@code onFailure} unstages it when the commit fails.
     */
    void update(java.util.function.Consumer<TreeMap<Integer, Drain>> change, Runnable beforeCommit, Runnable onFailure)
            throws RpcException {
        TreeMap<Integer, Drain> before = new TreeMap<>(drained);
        change.accept(drained);
        try {
            checkpoint.put(KEY, drained);
            beforeCommit.run();
            checkpoint.commit();
        } catch (RpcException | RuntimeException e) {
            onFailure.run();
            drained.clear();
            drained.putAll(before);
            checkpoint.put(KEY, drained);
            throw e instanceof RpcException r ? r
                    : new RpcException(io.canopy.message.Errno.EIO, "cannot save the drain state: " + e.getMessage());
        }
    }
}
