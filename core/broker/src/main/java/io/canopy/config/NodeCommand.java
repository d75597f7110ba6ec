package io.canopy.config;

import java.util.List;
import java.util.Optional;

/**
 * A command a node's launcher runs for the instance ({@code reboot_command}, {@code health_check}):
 * a program by absolute path and its arguments, words separated by spaces, without a shell, quotes
 * or variables, so that canopy-launch (C, as root) splits it the same way without a parser of its
 * own. At most {@link #MAX_WORDS} words and {@link #MAX_BYTES} bytes, no control characters.
 *
 * @param words the program, then its arguments
 */
public record NodeCommand(List<String> words) {
    public static final int MAX_WORDS = 32;
    public static final int MAX_BYTES = 1000;

    public NodeCommand {
        words = List.copyOf(words);
    }

    /** The command as one line, words separated by one space (what the launcher splits again). */
    public String text() {
        return String.join(" ", words);
    }

    /**
     * The words of {@code text}, or why it is not a command: {@code Optional.empty()} when it is
     * fine, else the problem.
     */
    public static Optional<String> problem(String text) {
        if (text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Optional.of("is longer than " + MAX_BYTES + " bytes");
        }
        if (text.chars().anyMatch(c -> c < 0x20 && c != ' ' || c == 0x7f)) {
            return Optional.of("holds a control character (a tab or a new line)");
        }
        List<String> w = split(text);
        if (w.isEmpty()) {
            return Optional.of("is empty");
        }
        if (w.size() > MAX_WORDS) {
            return Optional.of("has more than " + MAX_WORDS + " words");
        }
        if (!w.get(0).startsWith("/")) {
            return Optional.of("\"" + w.get(0) + "\" is not an absolute path");
        }
        return Optional.empty();
    }

    static List<String> split(String text) {
        return List.of(text.strip().split(" +")).stream().filter(s -> !s.isEmpty()).toList();
    }

    static Optional<NodeCommand> read(TomlTable t, String key) throws ConfigException {
        Optional<String> text = t.string(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> why = problem(text.get());
        if (why.isPresent()) {
            throw t.error(key, "\"" + text.get() + "\" " + why.get(), "give the program's absolute path and its "
                    + "arguments separated by spaces, e.g. " + key + " = \"/usr/bin/systemctl reboot\" (no shell, "
                    + "quotes or variables; write a script for more)");
        }
        return Optional.of(new NodeCommand(split(text.get())));
    }
}
