package io.canopy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [job-exec]} table, read by job-exec on every node: the epilog run after each job.
 *
 * @param epilog               {@code epilog}, the program to run, if any
 * @param epilogTimeout        {@code epilog_timeout}: an epilog running longer has failed; 5m unless set
 * @param drainOnEpilogFailure {@code drain_on_epilog_failure}: drain the node when its epilog fails;
 *                             false unless set
 */
public record JobExec(Optional<Path> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure) {
    static final List<String> KEYS = List.of("epilog", "epilog_timeout", "drain_on_epilog_failure");

    public JobExec {
        Objects.requireNonNull(epilog, "epilog");
        Objects.requireNonNull(epilogTimeout, "epilogTimeout");
    }

    static JobExec read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        return new JobExec(t.path("epilog", null), t.duration("epilog_timeout", "5m"),
                t.bool("drain_on_epilog_failure", false));
    }
}
