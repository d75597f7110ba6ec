package io.canopy.broker;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Where a broker's module state comes from at start and where it goes at shutdown. The leader's
 * keeper is durable on disk; a follower's lives in memory, is handed up to the parent at shutdown
 * (with the checkpoints its children handed up to it) and handed back at the next start.
 */
public interface StateKeeper extends AutoCloseable {

    /** The modules' checkpoint areas (a follower's may be replaced by {@link #restore}, before modules load). */
    CheckpointStore store();

    /** True when this keeper is the instance's durable store (the leader's). */
    boolean durable();

    /** Loads what the parent handed back at start (a follower's init); empty bytes mean none. */
    void restore(byte[] fromParent) throws IOException;

    /** This broker's checkpoint, with its children's nested in it, as bytes to hand to the parent. */
    byte[] handUp(int rank, String host, Map<Integer, byte[]> children) throws IOException;

    /** Keeps the checkpoints the children handed up (the leader: durably). */
    void keepChildren(Map<Integer, byte[]> children) throws IOException;

    /** The checkpoint kept for a child, handed back once: it is forgotten after this call. */
    Optional<byte[]> takeChild(int rank) throws IOException;

    /** Forgets a child's kept checkpoint (the child kept its live state). */
    void dropChild(int rank) throws IOException;

    @Override
    void close() throws IOException;
}
