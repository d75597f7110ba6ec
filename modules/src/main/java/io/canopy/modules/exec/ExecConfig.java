package io.canopy.modules.exec;

import io.canopy.module.ModuleConfig;
import java.time.Duration;
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
 */
record ExecConfig(Optional<String> epilog, Duration epilogTimeout, boolean drainOnEpilogFailure, Duration killTimeout,
        int cores) {

    static ExecConfig of(ModuleConfig c) {
        Optional<String> epilog = c.get("epilog").filter(s -> !s.isBlank());
        return new ExecConfig(epilog, c.getDuration("epilog_timeout", Duration.ofMinutes(5)),
                Boolean.parseBoolean(c.get("drain_on_epilog_failure", "false")),
                c.getDuration("kill_timeout", Duration.ofSeconds(5)),
                c.getInt("cores", Runtime.getRuntime().availableProcessors()));
    }
}
