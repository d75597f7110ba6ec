package io.canopy.broker;

import io.canopy.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a broker's configuration comes from, so that {@code config.reload} can read it again:
 * {@code canopy broker --config FILE} gives one for that file. Core knows only this interface; the
 * launcher that parsed the file implements it (module arguments are made from the parsed tables).
 */
public interface ConfigSource {
    /** The file, as named in messages. */
    Path file();

    /**
     * Reads and checks the file again.
     *
     * @throws ConfigException naming the file, line and key of what is wrong
     */
    Loaded load() throws ConfigException;

    /**
     * A configuration read from the file.
     *
     * @param tables     every table and key with the value in force ({@link io.canopy.config.ConfigTables})
     * @param moduleArgs the built-in modules' {@code key=value} arguments made from it, by module name
     */
    record Loaded(Map<String, Object> tables, Map<String, Map<String, String>> moduleArgs) {
        public Loaded {
            tables = Map.copyOf(tables);
            moduleArgs = Map.copyOf(moduleArgs);
        }
    }
}
