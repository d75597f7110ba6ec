package io.canopy.tools.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code -o/--format} of the status commands, in the shape flux's commands take (a subset of
 * Python's format strings): literal text with fields such as {@code {state:>10}},
 * {@code {nodelist:<20}}, {@code {reason:.30}} or plain {@code {nnodes}}; {@code {{} and
 * {@code }}} are braces. A field is aligned left ({@code <}, the default for text), right
 * ({@code >}) or centred ({@code ^}) in its width, and cut to its precision ({@code .10+}: cut
 * ending in {@code +}). The header line is
 * the fields' headers laid out the same way. An unknown field is an error that lists the valid ones.
 *
 * @param <T> what one row shows
 */
final class OutputFormat<T> {
    /** One field a format may name: its header and how to get its text from a row. */
    record Field<T>(String name, String header, Function<T, String> value) {}

    /**
     * A piece of a parsed format: literal text (field null) or a field with its layout; {@code plus}:
     * a value cut to its precision ends in {@code +} (flux's {@code .10+}).
     */
    private record Piece<T>(String text, Field<T> field, char align, int width, int precision, boolean plus) {}

    private final List<Piece<T>> pieces;

    private OutputFormat(List<Piece<T>> pieces) {
        this.pieces = pieces;
    }

    /** A table of fields by name, in the order they are listed in errors. */
    @SafeVarargs
    static <T> Map<String, Field<T>> fields(Field<T>... all) {
        Map<String, Field<T>> m = new LinkedHashMap<>();
        for (Field<T> f : all) {
            m.put(f.name(), f);
        }
        return m;
    }

    /**
     * Parses {@code spec}.
     *
     * @throws IllegalArgumentException naming the unknown field or the malformed part, with the
     *                                  valid fields (a usage error: exit 2)
     */
    static <T> OutputFormat<T> parse(String spec, Map<String, Field<T>> fields) {
        List<Piece<T>> pieces = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '{' && i + 1 < spec.length() && spec.charAt(i + 1) == '{') {
                literal.append('{');
                i++;
            } else if (c == '}' && i + 1 < spec.length() && spec.charAt(i + 1) == '}') {
                literal.append('}');
                i++;
            } else if (c == '{') {
                int close = spec.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("--format: '{' at position " + (i + 1) + " is never closed "
                            + "(write {field} or {field:>10}; {{ for a brace)");
                }
                if (literal.length() > 0) {
                    pieces.add(new Piece<>(literal.toString(), null, '<', 0, -1, false));
                    literal.setLength(0);
                }
                pieces.add(field(spec.substring(i + 1, close), fields));
                i = close;
            } else if (c == '}') {
                throw new IllegalArgumentException("--format: '}' at position " + (i + 1) + " has no '{' (write }} "
                        + "for a brace)");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            pieces.add(new Piece<>(literal.toString(), null, '<', 0, -1, false));
        }
        return new OutputFormat<>(pieces);
    }

    private static <T> Piece<T> field(String inside, Map<String, Field<T>> fields) {
        int colon = inside.indexOf(':');
        String name = (colon < 0 ? inside : inside.substring(0, colon)).strip();
        Field<T> f = fields.get(name);
        if (f == null) {
            throw new IllegalArgumentException("--format: unknown field '" + name + "' (valid fields: "
                    + String.join(", ", fields.keySet()) + ")");
        }
        String layout = colon < 0 ? "" : inside.substring(colon + 1);
        char align = '<';
        int p = 0;
        if (!layout.isEmpty() && "<>^".indexOf(layout.charAt(0)) >= 0) {
            align = layout.charAt(0);
            p = 1;
        }
        int width = 0;
        int precision = -1;
        boolean plus = layout.endsWith("+");
        try {
            int dot = layout.indexOf('.', p);
            String w = dot < 0 ? layout.substring(p) : layout.substring(p, dot);
            width = w.isEmpty() ? 0 : Integer.parseInt(w);
            if (dot >= 0) {
                String pr = layout.substring(dot + 1, plus ? layout.length() - 1 : layout.length());
                precision = Integer.parseInt(pr);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--format: '{" + inside + "}' has a layout I cannot read (write "
                    + "{" + name + "}, {" + name + ":>10}, {" + name + ":<20} or {" + name + ":.30})");
        }
        return new Piece<>(null, f, align, width, precision, plus);
    }

    /** The header line. */
    String header() {
        StringBuilder sb = new StringBuilder();
        for (Piece<T> p : pieces) {
            sb.append(p.field() == null ? p.text() : lay(p, p.field().header()));
        }
        return sb.toString().stripTrailing();
    }

    /** One row. */
    String row(T item) {
        StringBuilder sb = new StringBuilder();
        for (Piece<T> p : pieces) {
            if (p.field() == null) {
                sb.append(p.text());
            } else {
                String v = p.field().value().apply(item);
                sb.append(lay(p, v == null ? "" : v));
            }
        }
        return sb.toString().stripTrailing();
    }

    private static String lay(Piece<?> p, String text) {
        String t = text;
        if (p.precision() >= 0 && text.length() > p.precision()) {
            t = p.plus() && p.precision() > 0 ? text.substring(0, p.precision() - 1) + "+" : text.substring(0, p.precision());
        }
        int pad = p.width() - t.length();
        if (pad <= 0) {
            return t;
        }
        return switch (p.align()) {
            case '>' -> " ".repeat(pad) + t;
            case '^' -> " ".repeat(pad / 2) + t + " ".repeat(pad - pad / 2);
            default -> t + " ".repeat(pad);
        };
    }
}
