package io.canopy.config;

import java.util.List;

/**
 * The {@code [resource]} table, read by the resource module on the leader.
 *
 * @param drainOnLost {@code drain_on_lost}: drain a lost node with reason "lost"; false unless set
 * @param exclude     {@code exclude}: ranks ({@code 0-2}) or hosts ({@code mgmt[1-2]}) that never run
 *                    jobs, such as service nodes; empty unless set
 */
public record Resource(boolean drainOnLost, String exclude) {
    static final List<String> KEYS = List.of("drain_on_lost", "exclude");

    public Resource(boolean drainOnLost) {
        this(drainOnLost, "");
    }

    static Resource read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        return new Resource(t.bool("drain_on_lost", false), t.string("exclude", ""));
    }
}
