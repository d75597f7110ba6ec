package io.canopy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code [tbon]} table: the shape of the tree and how fast a silent peer is noticed. A child
 * sends a keepalive every {@code keepalive_period}; silent for {@code torpid_timeout} it is torpid,
 * for {@code lost_timeout} it is lost, so the three must grow in that order.
 *
 * @param fanout          {@code fanout}: children per broker in the k-ary tree, where the parent of
 *                        rank r is (r-1)/fanout; 2 unless set. A host's own {@code parent} overrides it.
 * @param keepalivePeriod {@code keepalive_period}, 2s unless set
 * @param torpidTimeout   {@code torpid_timeout}, 10s unless set
 * @param lostTimeout     {@code lost_timeout}, 30s unless set
 */
public record Tbon(int fanout, Duration keepalivePeriod, Duration torpidTimeout, Duration lostTimeout) {
    static final List<String> KEYS = List.of("fanout", "keepalive_period", "torpid_timeout", "lost_timeout");

    public Tbon {
        Objects.requireNonNull(keepalivePeriod, "keepalivePeriod");
        Objects.requireNonNull(torpidTimeout, "torpidTimeout");
        Objects.requireNonNull(lostTimeout, "lostTimeout");
        if (fanout < 1) {
            throw new IllegalArgumentException("fanout " + fanout + " is below 1");
        }
    }

    static Tbon read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        int fanout = t.integer("fanout", 2, 1, Integer.MAX_VALUE);
        Duration keepalive = t.duration("keepalive_period", "2s");
        Duration torpid = t.duration("torpid_timeout", "10s");
        Duration lost = t.duration("lost_timeout", "30s");
        if (keepalive.compareTo(torpid) >= 0) {
            throw t.error(t.has("keepalive_period") ? "keepalive_period" : "torpid_timeout",
                    "keepalive_period (" + show(keepalive) + ") must be shorter than torpid_timeout ("
                            + show(torpid) + ")",
                    "make tbon.keepalive_period shorter or tbon.torpid_timeout longer");
        }
        if (torpid.compareTo(lost) >= 0) {
            throw t.error(t.has("torpid_timeout") ? "torpid_timeout" : "lost_timeout",
                    "torpid_timeout (" + show(torpid) + ") must be shorter than lost_timeout (" + show(lost) + ")",
                    "make tbon.torpid_timeout shorter or tbon.lost_timeout longer");
        }
        return new Tbon(fanout, keepalive, torpid, lost);
    }

    private static String show(Duration d) {
        return io.canopy.module.Durations.format(d);
    }
}
