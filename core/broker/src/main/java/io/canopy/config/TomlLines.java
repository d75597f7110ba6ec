package io.canopy.config;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each dotted key of a TOML text is written, so that a {@link ConfigException} can name the
 * line as well as the key: Jackson's TOML reader keeps no locations in the tree it returns. It
 * knows table headers ({@code [resource]}, {@code [[x]]}), {@code key = value} lines, and the
 * elements of an array of inline tables ({@code hosts = [ {host = "a"}, ... ]}, the i-th
 * {@code {} of the array is {@code hosts[i]}). A key it cannot place falls back to the nearest
 * enclosing one it can ({@code bootstrap.hosts[2].host} to {@code bootstrap.hosts[2]}, then
 * {@code bootstrap.hosts}, then the table's header), so every error gets the best line there is.
 */
final class TomlLines {
    private static final Pattern HEADER = Pattern.compile("^\\s*\\[{1,2}\\s*([^\\]]+?)\\s*\\]{1,2}\\s*(#.*)?$");
    private static final Pattern KEY = Pattern.compile("^\\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.-]+)\\s*=");
    private static final Pattern INLINE_KEY = Pattern.compile("(?:\\{|,)\\s*([A-Za-z0-9_-]+)\\s*=");

    /** Dotted key to its 1-based line. */
    private final Map<String, Integer> lines = new HashMap<>();

    private TomlLines(String text) {
        String[] all = text.split("\n", -1);
        String table = "";
        for (int i = 0; i < all.length; i++) {
            String line = all[i];
            Matcher h = HEADER.matcher(line);
            if (h.matches()) {
                table = unquote(h.group(1));
                lines.putIfAbsent(table, i + 1);
                continue;
            }
            Matcher k = KEY.matcher(line);
            if (!k.find()) {
                continue;
            }
            String key = join(table, unquote(k.group(1)));
            lines.putIfAbsent(key, i + 1);
            String rest = line.substring(k.end()).stripLeading();
            if (rest.startsWith("[")) {
                i = arrayOfTables(all, i, line.indexOf('[', k.end()), key);
            }
        }
    }

    /** The locations of every key in {@code text}. */
    static TomlLines of(String text) {
        return new TomlLines(text);
    }

    /** The line {@code dottedKey} is on (or the nearest enclosing key's), or 0 when none is known. */
    int lineOf(String dottedKey) {
        String key = dottedKey;
        while (key != null && !key.isEmpty()) {
            Integer line = lines.get(key);
            if (line != null) {
                return line;
            }
            key = parent(key);
        }
        return 0;
    }

    /** {@code e} with the line of its key, when it has none yet and the key can be placed. */
    ConfigException locate(ConfigException e) {
        return e.key().isEmpty() ? e : e.atLine(lineOf(e.key()));
    }

    /**
     * Records where each inline table of an array starts ({@code key[i]}) and the keys inside it,
     * from column {@code from} of line {@code start}; returns the array's last line.
     */
    private int arrayOfTables(String[] all, int start, int from, String key) {
        int depth = 0;
        int element = -1;
        for (int i = start; i < all.length; i++) {
            String line = stripComment(all[i]);
            int col = i == start ? from : 0;
            for (int c = col; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (ch == '"') {
                    int close = line.indexOf('"', c + 1);
                    c = close < 0 ? line.length() : close;
                } else if (ch == '[') {
                    depth++;
                } else if (ch == ']') {
                    depth--;
                    if (depth == 0) {
                        return i;
                    }
                } else if (ch == '{' && depth == 1) {
                    element++;
                    String at = key + "[" + element + "]";
                    lines.putIfAbsent(at, i + 1);
                    int close = line.indexOf('}', c);
                    Matcher m = INLINE_KEY.matcher(close < 0 ? line.substring(c) : line.substring(c, close + 1));
                    while (m.find()) {
                        lines.putIfAbsent(at + "." + m.group(1), i + 1);
                    }
                }
            }
        }
        return all.length - 1;
    }

    private static String stripComment(String line) {
        boolean quoted = false;
        for (int c = 0; c < line.length(); c++) {
            char ch = line.charAt(c);
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == '#' && !quoted) {
                return line.substring(0, c);
            }
        }
        return line;
    }

    private static String parent(String key) {
        if (key.endsWith("]")) {
            return key.substring(0, key.lastIndexOf('['));
        }
        int dot = key.lastIndexOf('.');
        return dot < 0 ? null : key.substring(0, dot);
    }

    private static String join(String table, String key) {
        return table.isEmpty() ? key : table + "." + key;
    }

    private static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
