package io.canopy.tools.launch;

import io.canopy.broker.ConfigSource;
import io.canopy.config.ConfigException;
import io.canopy.config.ConfigTables;
import io.canopy.config.InstanceConfig;
import java.nio.file.Path;

/** A broker's {@code system.toml}, read again for {@code canopy config reload}. */
public record FileConfigSource(Path file) implements ConfigSource {

    @Override
    public Loaded load() throws ConfigException {
        return loaded(InstanceConfig.load(file));
    }

    /** What {@code config} says, as a broker keeps it. */
    public static Loaded loaded(InstanceConfig config) {
        return new Loaded(ConfigTables.of(config), InstanceSetup.moduleArgs(config));
    }
}
