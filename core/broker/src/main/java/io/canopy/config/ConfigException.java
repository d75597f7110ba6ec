package io.canopy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A configuration file that cannot be used: unreadable, not TOML, or holding a key with a wrong
 * type or value. It is the only exception the config package throws, and it always says where
 * ({@link #file}, {@link #line}, {@link #key}), what ({@link #problem}) and how to fix it
 * ({@link #fix}), so the CLI can print it as one line: {@code FILE:LINE: KEY: problem (fix)}, the
 * way compilers name a place (the line is left out when the problem has none).
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final String key;
    private final String problem;
    private final String fix;

    /**
     * @param file    the configuration file
     * @param key     the dotted TOML key, e.g. {@code tbon.fanout} or {@code bootstrap.hosts[2].host};
     *                empty when the problem is the file as a whole (unreadable, not TOML)
     * @param problem what is wrong
     * @param fix     what to do about it
     */
    public ConfigException(Path file, String key, String problem, String fix) {
        this(file, key, problem, fix, null);
    }

    public ConfigException(Path file, String key, String problem, String fix, Throwable cause) {
        this(file, 0, key, problem, fix, cause);
    }

    /** As above, at {@code line} of the file (1 for the first line; 0 when unknown). */
    public ConfigException(Path file, int line, String key, String problem, String fix, Throwable cause) {
        super(render(file, line, key, problem, fix), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.line = Math.max(0, line);
        this.key = Objects.requireNonNull(key, "key");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.fix = Objects.requireNonNull(fix, "fix");
    }

    public Path file() {
        return file;
    }

    /** The line of the file the problem is on (1 for the first), or 0 when it has none. */
    public int line() {
        return line;
    }

    /** This error at {@code newLine} of the file; itself when it already has a line or none is known. */
    public ConfigException atLine(int newLine) {
        if (line > 0 || newLine <= 0) {
            return this;
        }
        ConfigException e = new ConfigException(file, newLine, key, problem, fix, getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }

    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }

    public String fix() {
        return fix;
    }

    private static String render(Path file, int line, String key, String problem, String fix) {
        String place = line > 0 ? file + ":" + line : String.valueOf(file);
        String where = key == null || key.isEmpty() ? place + ": " : place + ": " + key + ": ";
        return where + problem + " (" + fix + ")";
    }
}
