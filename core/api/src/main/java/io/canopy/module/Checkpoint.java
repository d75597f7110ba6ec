package io.canopy.module;

import java.util.Optional;
import java.util.Set;

/**
 * A module's named area of its broker's checkpoint: keys to MessagePack values that outlive a
 * module reload and a broker restart. On the leader the area is kept in the durable store; on a
 * follower it is handed up to the parent at shutdown and handed back at start.
 *
 * <p>{@code put} and {@code remove} are staged; {@link #commit()} makes them durable at once (use it
 * for state that must survive a crash, such as a drain). Whatever is staged when the module stops
 * is committed then.
 */
public interface Checkpoint {

    /** The raw value stored under {@code key}. */
    Optional<byte[]> getBytes(String key);

    /** The value under {@code key} mapped to {@code type}. */
    default <T> Optional<T> get(String key, Class<T> type) throws RpcException {
        Optional<byte[]> raw = getBytes(key);
        return raw.isPresent() ? Optional.of(Payloads.decode(raw.get(), type)) : Optional.empty();
    }

    /** Stores raw bytes under {@code key}. */
    void putBytes(String key, byte[] value);

    /** Stores {@code value} mapped to MessagePack under {@code key}. */
    default void put(String key, Object value) {
        putBytes(key, Payloads.encode(value));
    }

    void remove(String key);

    Set<String> keys();

    /**
     * Makes every staged change durable now.
     *
     * @throws RpcException ENOSPC or EIO when the store cannot be written; the previous state is
     *                      kept intact
     */
    void commit() throws RpcException;
}
