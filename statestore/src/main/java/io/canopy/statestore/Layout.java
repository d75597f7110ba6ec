package io.canopy.statestore;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mapdb.DB;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * How Canopy lays out its state in a MapDB file, shared by checkpoint files and the leader's
 * store: a {@code meta} map of strings (format version, kind, and for a checkpoint its rank, host
 * and creation time), one map per module area named {@code area:<module>} from String keys to
 * byte arrays, and a {@code children} map from child rank to that child's handed-up checkpoint.
 *
 * <p>The meta map holds only strings so that any later format can still be recognised and refused
 * by this one. Readers check {@link DB#exists} first, so they work on read-only files.
 */
final class Layout {
    static final String META = "meta";
    static final String CHILDREN = "children";
    static final String AREA_PREFIX = "area:";
    static final String KIND_CHECKPOINT = "checkpoint";
    static final String KIND_STATE = "state-store";

    private static final String FORMAT_VERSION = "format-version";
    private static final String KIND = "kind";
    private static final String RANK = "rank";
    private static final String HOST = "host";
    private static final String CREATED = "created-millis";

    private Layout() {}

    /** Marks a new file as Canopy's, of {@code kind}, in the current format. */
    static void writeMeta(DB db, String kind) {
        HTreeMap<String, String> meta = meta(db);
        meta.put(FORMAT_VERSION, Integer.toString(CheckpointFile.FORMAT_VERSION));
        meta.put(KIND, kind);
    }

    /** Refuses a file that is not Canopy's {@code kind} or whose format is newer than this one. */
    static void checkFormat(DB db, String kind, Origin origin) throws IOException {
        if (!db.exists(META)) {
            throw origin.damaged("it has no meta map, so it is not a Canopy " + kind + " file");
        }
        Map<String, String> meta = meta(db);
        int version = number(meta, FORMAT_VERSION, origin);
        if (version > CheckpointFile.FORMAT_VERSION) {
            throw origin.newer(version);
        }
        if (version < 1) {
            throw origin.damaged("its format version " + version + " is unknown");
        }
        String actual = meta.get(KIND);
        if (!kind.equals(actual)) {
            throw origin.damaged("it is a Canopy " + actual + " file, not a " + kind + " file");
        }
    }

    static void writeSnapshot(DB db, Snapshot s) {
        writeMeta(db, KIND_CHECKPOINT);
        HTreeMap<String, String> meta = meta(db);
        meta.put(RANK, Integer.toString(s.rank()));
        meta.put(HOST, s.host());
        meta.put(CREATED, Long.toString(s.createdMillis()));
        s.areas().forEach((module, values) -> area(db, module).putAll(values));
        children(db).putAll(s.children());
    }

    /** The snapshot in a checkpoint file whose format {@link #checkFormat} accepted. */
    static Snapshot readSnapshot(DB db, Origin origin) throws IOException {
        Map<String, String> meta = meta(db);
        String host = meta.get(HOST);
        if (host == null) {
            throw origin.damaged("its meta map has no " + HOST);
        }
        return new Snapshot(number(meta, FORMAT_VERSION, origin), number(meta, RANK, origin), host,
                longNumber(meta, CREATED, origin), readAreas(db), readChildren(db));
    }

    static Map<String, Map<String, byte[]>> readAreas(DB db) {
        Map<String, Map<String, byte[]>> areas = new TreeMap<>();
        for (String module : modules(db)) {
            Map<String, byte[]> values = new TreeMap<>(area(db, module));
            if (!values.isEmpty()) {
                areas.put(module, values);
            }
        }
        return areas;
    }

    static Map<Integer, byte[]> readChildren(DB db) {
        return db.exists(CHILDREN) ? new TreeMap<>(children(db)) : Map.of();
    }

    static Set<String> modules(DB db) {
        Set<String> modules = new TreeSet<>();
        for (String name : db.getAllNames()) {
            if (name.startsWith(AREA_PREFIX)) {
                modules.add(name.substring(AREA_PREFIX.length()));
            }
        }
        return modules;
    }

    static Optional<byte[]> value(DB db, String module, String key) {
        return db.exists(AREA_PREFIX + module) ? Optional.ofNullable(area(db, module).get(key)) : Optional.empty();
    }

    static Set<String> keys(DB db, String module) {
        return db.exists(AREA_PREFIX + module) ? new TreeSet<>(area(db, module).keySet()) : Set.of();
    }

    /** The map of {@code module}'s area; created if the file is writable and has none yet. */
    static HTreeMap<String, byte[]> area(DB db, String module) {
        return db.hashMap(AREA_PREFIX + module, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    static HTreeMap<Integer, byte[]> children(DB db) {
        return db.hashMap(CHILDREN, Serializer.INTEGER, Serializer.BYTE_ARRAY).createOrOpen();
    }

    private static HTreeMap<String, String> meta(DB db) {
        return db.hashMap(META, Serializer.STRING, Serializer.STRING).createOrOpen();
    }

    private static int number(Map<String, String> meta, String key, Origin origin) throws IOException {
        long n = longNumber(meta, key, origin);
        if (n != (int) n) {
            throw origin.damaged("its " + key + " " + n + " is out of range");
        }
        return (int) n;
    }

    private static long longNumber(Map<String, String> meta, String key, Origin origin) throws IOException {
        String text = meta.get(key);
        try {
            return Long.parseLong(Optional.ofNullable(text).orElseThrow(NumberFormatException::new));
        } catch (NumberFormatException e) {
            throw origin.damaged(text == null ? "its meta map has no " + key : "its " + key + " '" + text + "' is not a number");
        }
    }
}
