package io.canopy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A configuration file that cannot be used: unreadable, not TOML, or holding a key with a wrong
 * type or value. It is the only exception the config package throws, and it always says where
 * ({@link #file}, {@link #key}), what ({@link #problem}) and how to fix it ({@link #fix}), so the CLI
 * can print it as one line: {@code FILE: KEY: problem (fix)}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
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
        super(render(file, key, problem, fix), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.key = Objects.requireNonNull(key, "key");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.fix = Objects.requireNonNull(fix, "fix");
    }

    public Path file() {
        return file;
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

    private static String render(Path file, String key, String problem, String fix) {
        String where = key == null || key.isEmpty() ? file + ": " : file + ": " + key + ": ";
        return where + problem + " (" + fix + ")";
    }
}
