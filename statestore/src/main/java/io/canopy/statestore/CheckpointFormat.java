package io.canopy.statestore;

import io.canopy.broker.HandUpFormat;
import java.io.IOException;

/**
 * What a follower hands up in a real instance: its {@link Snapshot} as a {@link CheckpointFile}
 * (versioned MapDB, zlib-compressed), read back with the same version and damage checks as a file
 * on disk. A follower's keeper is {@code new MemoryStateKeeper(new CheckpointFormat())}.
 */
public final class CheckpointFormat implements HandUpFormat {

    @Override
    public byte[] write(int rank, String host, Contents contents) throws IOException {
        return CheckpointFile.toBytes(Snapshot.of(rank, host, contents.areas(), contents.children()));
    }

    @Override
    public Contents read(byte[] handed) throws IOException {
        Snapshot s = CheckpointFile.fromBytes(handed);
        return new Contents(s.areas(), s.children());
    }
}
