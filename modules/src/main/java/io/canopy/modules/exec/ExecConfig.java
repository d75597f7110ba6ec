package io.canopy.modules.exec;

import io.canopy.module.ModuleConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * job-exec's settings: the {@code [job-exec]} table of the instance configuration, handed to the
 * module as {@code key=value} arguments.
 *
 * @param epilog               program run on the node after each job ({@code epilog}), if any
 * @param epilogTimeout        an epilog running longer is killed and has failed ({@code epilog_timeout}, 5m)
 * @param drainOnEpilogFailure drain the node when its epilog fails ({@code drain_on_epilog_failure})
 * @param killTimeout          how long tasks get after SIGTERM before SIGKILL ({@code kill_timeout}, 5s)
 * @param cores                cores the scheduler may use on this node ({@code cores}; all the JVM sees)
 * @param launcher             canopy-launch to run ({@code launcher}; default: the installed one)
 * @param launcherSocket       connect to this socket instead of running the launcher ({@code launcher_socket})
 * @param containment          {@code containment}: auto, cgroup-v1, cgroup-v2 or process-group
 * @param rebootCommand        {@code [resource] reboot_command}: named to a launcher this broker runs itself
 * @param healthCheck          {@code [resource] health_check}: likewise
 * @param healthCheckTimeout   {@code [resource] health_check_timeout} (5m)
 * @param bootIdFile           {@code boot_id_file}: read the boot id there, not from the kernel (a test
 *                             instance gives each of its brokers one; never set in an installation)
 */
record ExecConfig(Optional<String> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure, Duration killTimeout,
        int cores, Optional<String> launcher, Optional<String> launcherSocket, String containment,
        Optional<String> rebootCommand, Optional<String> healthCheck, Duration healthCheckTimeout,
        Optional<String> bootIdFile) {
    static final List<String> CONTAINMENTS = List.of("auto", "cgroup-v1", "cgroup-v2", "process-group");

    static ExecConfig of(ModuleConfig c) {
        Optional<String> epilog = c.get("epilog").filter(s -> !s.isBlank());
        String containment = c.get("containment", "auto");
        if (!CONTAINMENTS.contains(containment)) {
            throw new IllegalArgumentException("job-exec: containment=" + containment + " is not one of " + CONTAINMENTS);
        }
        return new ExecConfig(epilog, c.getDuration("epilog_timeout", Duration.ofMinutes(5)),
                Boolean.parseBoolean(c.get("drain_on_epilog_failure", "false")),
                c.getDuration("kill_timeout", Duration.ofSeconds(5)),
                c.getInt("cores", Runtime.getRuntime().availableProcessors()),
                c.get("launcher").filter(s -> !s.isBlank()), c.get("launcher_socket").filter(s -> !s.isBlank()),
                containment, c.get("reboot_command").filter(s -> !s.isBlank()),
                c.get("health_check").filter(s -> !s.isBlank()), c.getDuration("health_check_timeout", Duration.ofMinutes(5)),
                c.get("boot_id_file").filter(s -> !s.isBlank()));
    }

    /** The new run-time settings of {@code fresh}, keeping what holds until the broker starts again. */
    ExecConfig reloaded(ExecConfig fresh) {
        return new ExecConfig(fresh.epilog(), fresh.epilogTimeout(), fresh.drainOnEpilogFailure(), fresh.killTimeout(),
                cores, launcher, launcherSocket, containment, fresh.rebootCommand(), fresh.healthCheck(),
                fresh.healthCheckTimeout(), bootIdFile);
    }
}
