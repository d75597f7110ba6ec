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
 * @param launcher             {@code launcher}: the canopy-launch program a root broker runs; unless set, the
 *                             one installed beside canopy ({@code /usr/libexec/canopy/canopy-launch})
 * @param launcherSocket       {@code launcher_socket}: start tasks through this socket instead (systemd's
 *                             canopy-launch.socket, for a broker that is not root); unset unless given
 * @param containment          {@code containment}: {@code auto} (a cgroup, v2 or v1 as the node has), or
 *                             {@code cgroup-v2}, {@code cgroup-v1}, {@code process-group}
 */
public record JobExec(Optional<Path> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure, Duration killTimeout,
        int cores, Optional<Path> launcher, Optional<Path> launcherSocket, String containment) {
    static final List<String> KEYS = List.of("epilog", "epilog_timeout", "drain_on_epilog_failure", "kill_timeout", "cores",
            "launcher", "launcher_socket", "containment");
    /** The values of {@code containment}. */
    public static final List<String> CONTAINMENTS = List.of("auto", "cgroup-v2", "cgroup-v1", "process-group");

    public JobExec {
        Objects.requireNonNull(epilog, "epilog");
        Objects.requireNonNull(epilogTimeout, "epilogTimeout");
        Objects.requireNonNull(killTimeout, "killTimeout");
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(launcherSocket, "launcherSocket");
        Objects.requireNonNull(containment, "containment");
    }

    public JobExec(Optional<Path> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure) {
        this(epilog, epilogTimeout, drainOnEpilogFailure, Duration.ofSeconds(5), 0, Optional.empty(), Optional.empty(),
                "auto");
    }

    static JobExec read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        return new JobExec(t.absolutePath("epilog"), t.duration("epilog_timeout", "5m"),
                t.bool("drain_on_epilog_failure", false), t.duration("kill_timeout", "5s"),
                t.integer("cores", 0, 0, 1 << 20), t.absolutePath("launcher"), t.absolutePath("launcher_socket"),
                t.choice("containment", "auto", CONTAINMENTS));
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
        launcher.ifPresent(p -> m.put("launcher", p.toString()));
        launcherSocket.ifPresent(p -> m.put("launcher_socket", p.toString()));
        m.put("containment", containment);
        return m;
    }
}
