package io.canopy.broker;

import java.io.IOException;
import java.util.Map;

/**
 * How a {@code MemoryStateKeeper} writes what it hands up to its parent at shutdown, and reads what
 * the parent hands back at the next start. A real instance uses the state store's checkpoint file
 * (versioned MapDB, zlib-compressed); MessagePack ({@code MessagePackHandUp}, the keeper's default)
 * needs nothing outside the core, for a one-broker instance and for brokers tested inside one JVM.
 */
public interface HandUpFormat {

    /**
     * What is handed up: the committed areas (module name to key to value) and the checkpoints the
     * broker's children handed up to it, as their own keepers wrote them.
     */
    record Contents(Map<String, Map<String, byte[]>> areas, Map<Integer, byte[]> children) {}

    /** The bytes broker {@code rank} on {@code host} hands up. */
    byte[] write(int rank, String host, Contents contents) throws IOException;

    /** What {@link #write} wrote. */
    Contents read(byte[] handed) throws IOException;
}
