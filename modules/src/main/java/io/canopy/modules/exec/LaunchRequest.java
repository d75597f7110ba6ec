package io.canopy.modules.exec;

import java.util.List;
import java.util.Map;

/**
 * What canopy-launch is asked to run for one job on this node. Everything here but the uid, job id,
 * scope and containment comes from the submitter, and the launcher applies it only as the
 * submitter.
 *
 * @param uid         whom the tasks run as
 * @param jobId       the job
 * @param scope       names this broker's cgroups ({@code canopy-SCOPE/job-ID}): host and local socket
 * @param containment {@code auto}, {@code cgroup-v1}, {@code cgroup-v2} or {@code process-group}
 * @param cwd         the job's directory (absolute)
 * @param output      file the tasks' standard output is appended to, or null: sent back
 * @param error       file the tasks' standard error is appended to, or null: sent back
 * @param argv        the command
 * @param env         the whole environment of each task (the launcher adds CANOPY_TASK_RANK)
 * @param tasks       the task ranks that run here
 */
record LaunchRequest(int uid, long jobId, String scope, String containment, String cwd, String output, String error,
        List<String> argv, Map<String, String> env, List<Integer> tasks) {}
