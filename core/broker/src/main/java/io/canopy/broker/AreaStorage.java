package io.canopy.broker;

import io.canopy.module.RpcException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The committed state of one module's area, wherever it is kept: the leader's MapDB file (the state
 * store's) or memory ({@code MemoryAreaStorage}). {@link StagedArea} keeps the changes not yet
 * committed in front of it.
 */
public interface AreaStorage {

    /** The committed value of {@code key}, a copy; empty when there is none. */
    Optional<byte[]> get(String key);

    /** The committed keys. */
    Set<String> keys();

    /**
     * Writes {@code puts} and deletes {@code removes} as one durable step.
     *
     * @throws RpcException ENOSPC or EIO when it cannot; the committed state is then unchanged
     */
    void apply(Map<String, byte[]> puts, Set<String> removes) throws RpcException;
}
