package io.canopy.module;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A module's configuration: the {@code key=value} arguments it was loaded with. Values are strings;
 * the typed getters parse them and name the key in their error.
 */
public record ModuleConfig(Map<String, String> values) {

    public ModuleConfig {
        values = Map.copyOf(values);
    }

    public static ModuleConfig empty() {
        return new ModuleConfig(Map.of());
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /** The value as an integer, or {@code fallback} when absent. */
    public int getInt(String key, int fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a whole number");
        }
    }

    /** The value as a duration such as {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
    public Duration getDuration(String key, Duration fallback) {
        String v = values.get(key);
        return v == null ? fallback : Durations.parse(key, v);
    }
}
