package io.canopy.module;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints durations the way Canopy's configuration and CLI write them: a number with a
 * unit, {@code 500ms}, {@code 5s}, {@code 2.5m}, {@code 1h}, {@code 1d}; a bare number is seconds.
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private Durations() {}

    /**
     * Parses {@code text}; {@code what} names the key or option in the error.
     *
     * @throws IllegalArgumentException with the key, the value and the accepted forms
     */
    public static Duration parse(String what, String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(what + "=\"" + text
                    + "\" is not a duration: write a number with a unit, e.g. 500ms, 5s, 2m, 1h");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> n;
            case "s" -> n * 1_000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 86_400_000;
        };
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }

    /** A short form such as {@code 1.5s}, {@code 2m3s}, {@code 250ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        if (s < 86_400) {
            return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
        }
        return (s / 86_400) + "d" + ((s % 86_400) / 3600) + "h";
    }
}
