package io.canopy.config;

import java.util.List;

/**
 * The {@code [resource]} table, read by the resource module on the leader.
 *
 * @param drainOnLost {@code drain_on_lost}: drain a lost node with reason "lost"; false unless set
 */
public record Resource(boolean drainOnLost) {
    static final List<String> KEYS = List.of("drain_on_lost");

    static Resource read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        return new Resource(t.bool("drain_on_lost", false));
    }
}
