package io.canopy.broker;

import io.canopy.module.Checkpoint;

/**
 * Where module checkpoints live. The broker asks it for each module's named area; the state store
 * implements it on MapDB, {@link MemoryCheckpointStore} in memory.
 */
public interface CheckpointStore extends AutoCloseable {

    /** The named area of {@code module}; the same area each time it is asked for. */
    Checkpoint area(String module);

    /** Releases the store's files; what was committed stays. */
    @Override
    default void close() throws java.io.IOException {}
}
