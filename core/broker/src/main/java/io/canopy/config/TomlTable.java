package io.canopy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canopy.module.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * One TOML table seen through typed getters that know their full dotted key, so every wrong type,
 * bad value or unknown key becomes a {@link ConfigException} naming the file and the key. Only the
 * config package reads raw TOML, and only through this class.
 */
final class TomlTable {
    private final Path file;
    private final String prefix;
    private final ObjectNode node;

    TomlTable(Path file, String prefix, ObjectNode node) {
        this.file = file;
        this.prefix = prefix;
        this.node = node;
    }

    /** The full dotted key of {@code name} in this table. */
    String key(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    Path file() {
        return file;
    }

    ConfigException error(String name, String problem, String fix) {
        return new ConfigException(file, key(name), problem, fix);
    }

    boolean has(String name) {
        return node.has(name);
    }

    /** Refuses any key not in {@code allowed}, listing the valid ones (catches typos). */
    void allowOnly(List<String> allowed) throws ConfigException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!allowed.contains(name)) {
                String where = prefix.isEmpty() ? "at the top level" : "in [" + prefix + "]";
                throw error(name, "unknown key " + where,
                        "valid keys are: " + String.join(", ", allowed));
            }
        }
    }

    /** A sub-table; an absent one reads as empty, so every key takes its default. */
    TomlTable table(String name) throws ConfigException {
        JsonNode v = node.get(name);
        if (v == null) {
            return new TomlTable(file, key(name), JsonNodeFactory.instance.objectNode());
        }
        if (!(v instanceof ObjectNode o)) {
            throw error(name, "expected a table, got " + describe(v), "write it as [" + key(name) + "]");
        }
        return new TomlTable(file, key(name), o);
    }

    /** An array of tables, each element keyed {@code name[i]}; absent reads as empty. */
    List<TomlTable> tables(String name, String example) throws ConfigException {
        JsonNode v = node.get(name);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw error(name, "expected an array of tables, got " + describe(v), "write " + example);
        }
        List<TomlTable> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!(v.get(i) instanceof ObjectNode o)) {
                throw new ConfigException(file, key(name) + "[" + i + "]",
                        "expected a table, got " + describe(v.get(i)), "write " + example);
            }
            out.add(new TomlTable(file, key(name) + "[" + i + "]", o));
        }
        return out;
    }

    int integer(String name, int dflt, int min, int max) throws ConfigException {
        JsonNode v = node.get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw error(name, "expected an integer, got " + describe(v), "write e.g. " + name + " = " + dflt);
        }
        if (!v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw error(name, v.asText() + " is out of range", "use a whole number from " + min + " to " + max);
        }
        return v.intValue();
    }

    boolean bool(String name, boolean dflt) throws ConfigException {
        JsonNode v = node.get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw error(name, "expected true or false, got " + describe(v), "write " + name + " = true or "
                    + name + " = false, without quotes");
        }
        return v.booleanValue();
    }

    Optional<String> string(String name) throws ConfigException {
        JsonNode v = node.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw error(name, "expected a string, got " + describe(v), "put the value in double quotes");
        }
        if (v.textValue().isBlank()) {
            throw error(name, "is empty", "give a value or leave the key out");
        }
        return Optional.of(v.textValue());
    }

    /** A string that may be empty ({@code ""} meaning none); absent reads as empty. */
    String stringOrEmpty(String name) throws ConfigException {
        JsonNode v = node.get(name);
        if (v != null && v.isTextual() && v.textValue().isBlank()) {
            return "";
        }
        return string(name).orElse("");
    }

    String string(String name, String dflt) throws ConfigException {
        return string(name).orElse(dflt);
    }

    /** A file system path; {@code dflt} may be null for an optional one. */
    Optional<Path> path(String name, String dflt) throws ConfigException {
        Optional<String> text = string(name).or(() -> Optional.ofNullable(dflt));
        try {
            return text.map(Path::of);
        } catch (java.nio.file.InvalidPathException e) {
            throw error(name, "\"" + text.get() + "\" is not a valid path: " + e.getReason(),
                    "give a file system path such as \"/etc/canopy/x\"");
        }
    }

    /** An absolute file system path, or empty when the key is absent. */
    Optional<Path> absolutePath(String name) throws ConfigException {
        Optional<Path> p = path(name, null);
        if (p.isPresent() && !p.get().isAbsolute()) {
            throw error(name, "\"" + p.get() + "\" is not an absolute path", "give the full path, starting with /");
        }
        return p;
    }

    /** A string that must be one of {@code allowed}. */
    String choice(String name, String dflt, java.util.List<String> allowed) throws ConfigException {
        String v = string(name, dflt);
        if (!allowed.contains(v)) {
            throw error(name, "\"" + v + "\" is not one of " + String.join(", ", allowed),
                    "write one of them in quotes, e.g. " + name + " = \"" + allowed.get(0) + "\"");
        }
        return v;
    }

    /** A positive duration such as {@code "500ms"}, {@code "5s"}, {@code "2m"}. */
    Duration duration(String name, String dflt) throws ConfigException {
        JsonNode v = node.get(name);
        String text = dflt;
        if (v != null) {
            if (!v.isTextual()) {
                throw error(name, "expected a duration string, got " + describe(v),
                        "write it with a unit in quotes, e.g. " + name + " = \"5s\"");
            }
            text = v.textValue();
        }
        Duration d;
        try {
            d = Durations.parse(key(name), text);
        } catch (IllegalArgumentException e) {
            throw error(name, "\"" + text + "\" is not a duration", "write a number with a unit, e.g. \"500ms\", "
                    + "\"5s\", \"2m\", \"1h\"");
        }
        if (d.isZero()) {
            throw error(name, "must be longer than zero", "give a positive duration, e.g. \"5s\"");
        }
        return d;
    }

    static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "the string \"" + v.textValue() + "\"";
        }
        if (v.isIntegralNumber()) {
            return "the integer " + v.asText();
        }
        if (v.isNumber()) {
            return "the number " + v.asText();
        }
        if (v.isBoolean()) {
            return "the boolean " + v.asText();
        }
        return v.isArray() ? "an array" : v.isObject() ? "a table" : "a " + v.getNodeType().name().toLowerCase(
                java.util.Locale.ROOT);
    }
}
