package io.canopy.statestore;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything one broker hands up the tree at shutdown and gets back at start: its modules' areas
 * and the checkpoints its children handed up to it. A value: it copies the maps and byte arrays it
 * is given, its maps cannot be changed, and equality compares contents. The arrays it hands out are
 * its own: read them, do not change them.
 *
 * @param formatVersion the checkpoint format it was read from, or is to be written in
 * @param rank          the broker's rank
 * @param host          the broker's host name
 * @param createdMillis when the snapshot was taken, in milliseconds since the epoch
 * @param areas         module name to key to value (the committed state of each area)
 * @param children      child rank to that child's checkpoint, as {@link CheckpointFile#toBytes} gave it
 */
public record Snapshot(int formatVersion, int rank, String host, long createdMillis,
        Map<String, Map<String, byte[]>> areas, Map<Integer, byte[]> children) {

    public Snapshot {
        Objects.requireNonNull(host, "host");
        areas = copyAreas(Objects.requireNonNull(areas, "areas"));
        children = copyValues(Objects.requireNonNull(children, "children"));
    }

    /** A snapshot in the current format, taken now. */
    public static Snapshot of(int rank, String host, Map<String, Map<String, byte[]>> areas,
            Map<Integer, byte[]> children) {
        return new Snapshot(CheckpointFile.FORMAT_VERSION, rank, host, System.currentTimeMillis(),
                areas, children);
    }

    /** A snapshot with no areas and no children. */
    public static Snapshot empty(int rank, String host) {
        return of(rank, host, Map.of(), Map.of());
    }

    /** The area of {@code module}, empty if it has none. */
    public Map<String, byte[]> area(String module) {
        return areas.getOrDefault(module, Map.of());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot s && formatVersion == s.formatVersion && rank == s.rank
                && createdMillis == s.createdMillis && host.equals(s.host)
                && areas.keySet().equals(s.areas.keySet())
                && areas.entrySet().stream().allMatch(e -> sameValues(e.getValue(), s.areas.get(e.getKey())))
                && sameValues(children, s.children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formatVersion, rank, host, createdMillis, areas.keySet(), children.keySet());
    }

    @Override
    public String toString() {
        return "Snapshot[format " + formatVersion + ", rank " + rank + " on " + host + ", created "
                + createdMillis + ", areas " + areas.keySet() + ", children " + children.keySet() + "]";
    }

    private static Map<String, Map<String, byte[]>> copyAreas(Map<String, Map<String, byte[]>> areas) {
        Map<String, Map<String, byte[]>> copy = new TreeMap<>();
        areas.forEach((module, values) -> copy.put(Objects.requireNonNull(module, "module name"),
                copyValues(Objects.requireNonNull(values, "area " + module))));
        return Collections.unmodifiableMap(copy);
    }

    private static <K> Map<K, byte[]> copyValues(Map<K, byte[]> values) {
        Map<K, byte[]> copy = new TreeMap<>();
        values.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"),
                Objects.requireNonNull(v, "value of " + k).clone()));
        return Collections.unmodifiableMap(copy);
    }

    private static <K> boolean sameValues(Map<K, byte[]> a, Map<K, byte[]> b) {
        return b != null && a.keySet().equals(b.keySet())
                && a.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), b.get(e.getKey())));
    }
}
