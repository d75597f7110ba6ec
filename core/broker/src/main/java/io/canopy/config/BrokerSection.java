package io.canopy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The {@code [broker]} table: where a broker keeps its socket and its state, and how many brokers
 * the leader waits for before the instance runs.
 *
 * @param rundir   {@code rundir}, for the local socket; {@code /run/canopy} unless set
 * @param statedir {@code statedir}, for the leader's durable store; {@code /var/lib/canopy} unless set
 * @param quorum   {@code quorum}, from 1 to the instance size; 1 unless set
 */
public record BrokerSection(Path rundir, Path statedir, int quorum) {
    static final List<String> KEYS = List.of("rundir", "statedir", "quorum");

    public BrokerSection {
        Objects.requireNonNull(rundir, "rundir");
        Objects.requireNonNull(statedir, "statedir");
        if (quorum < 1) {
            throw new IllegalArgumentException("quorum " + quorum + " is below 1");
        }
    }

    static BrokerSection read(TomlTable t, int size) throws ConfigException {
        t.allowOnly(KEYS);
        Path rundir = t.path("rundir", "/run/canopy").orElseThrow();
        Path statedir = t.path("statedir", "/var/lib/canopy").orElseThrow();
        int quorum = t.integer("quorum", 1, 1, Integer.MAX_VALUE);
        if (quorum > size) {
            throw t.error("quorum", "quorum " + quorum + " is more than the " + size
                    + " brokers listed in bootstrap.hosts", "use a number from 1 to " + size);
        }
        return new BrokerSection(rundir, statedir, quorum);
    }
}
