package io.canopy.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code [job-manager]} table, read by the leader's job-manager at its start: how many
 * inactive jobs it keeps (their records and eventlogs, in the leader's store) before it forgets
 * the oldest. A site that wants {@code canopy jobs -a} to reach far back raises it; a leader keeps
 * about 5 KiB of memory and 0.7 KiB of disk per inactive job (docs/performance.md).
 *
 * @param inactiveLimit {@code inactive_limit}: 10,000 unless set, 1 to 10,000,000
 */
public record JobManager(int inactiveLimit) {
    static final List<String> KEYS = List.of("inactive_limit");
    public static final int DEFAULT_INACTIVE_LIMIT = 10_000;
    static final int MAX_INACTIVE_LIMIT = 10_000_000;

    public JobManager {
        if (inactiveLimit < 1 || inactiveLimit > MAX_INACTIVE_LIMIT) {
            throw new IllegalArgumentException("inactive_limit " + inactiveLimit + " is outside 1-" + MAX_INACTIVE_LIMIT);
        }
    }

    /** The defaults, as with no {@code [job-manager]} table. */
    public static JobManager defaults() {
        return new JobManager(DEFAULT_INACTIVE_LIMIT);
    }

    static JobManager read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        return new JobManager(t.integer("inactive_limit", DEFAULT_INACTIVE_LIMIT, 1, MAX_INACTIVE_LIMIT));
    }

    /** The table as job-manager's {@code key=value} module arguments. */
    public Map<String, String> moduleArgs() {
        return Map.of("inactive_limit", Integer.toString(inactiveLimit));
    }
}
