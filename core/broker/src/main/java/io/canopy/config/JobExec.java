package io.canopy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [job-exec]} table, read by job-exec on every node: how jobs run there.
 *
 * @param epilog               {@code epilog}, the program to run after each job, if any
 * @param epilogTimeout        {@code epilog_timeout}: an epilog running longer has failed; 5m unless set
 * @param drainOnEpilogFailure {@code drain_on_epilog_failure}: drain the node when its epilog fails;
 *                             false unless set
 * @param killTimeout          {@code kill_timeout}: how long a canceled job's tasks get after SIGTERM
 *                             before SIGKILL; 5s unless set
 * @param cores                {@code cores}: cores a node offers the scheduler; 0 (unless set): as many as
 *                             the node has
 */
public record JobExec(Optional<Path> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure, Duration killTimeout,
        int cores) {
    static final List<String> KEYS = List.of("epilog", "epilog_timeout", "drain_on_epilog_failure", "kill_timeout", "cores");

    public JobExec {
        Objects.requireNonNull(epilog, "epilog");
        Objects.requireNonNull(epilogTimeout, "epilogTimeout");
        Objects.requireNonNull(killTimeout, "killTimeout");
    }

    public JobExec(Optional<Path> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure) {
        this(epilog, epilogTimeout, drainOnEpilogFailure, Duration.ofSeconds(5), 0);
    }

    static JobExec read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        return new JobExec(t.path("epilog", null), t.duration("epilog_timeout", "5m"),
                t.bool("drain_on_epilog_failure", false), t.duration("kill_timeout", "5s"),
                t.integer("cores", 0, 0, 1 << 20));
    }

    /** The table as job-exec's {@code key=value} module arguments. */
    public Map<String, String> moduleArgs() {
        Map<String, String> m = new LinkedHashMap<>();
        epilog.ifPresent(p -> m.put("epilog", p.toString()));
        m.put("epilog_timeout", epilogTimeout.toMillis() + "ms");
        m.put("drain_on_epilog_failure", Boolean.toString(drainOnEpilogFailure));
        m.put("kill_timeout", killTimeout.toMillis() + "ms");
        if (cores > 0) {
            m.put("cores", Integer.toString(cores));
        }
        return m;
    }
}
