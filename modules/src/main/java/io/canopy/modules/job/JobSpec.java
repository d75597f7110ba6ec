package io.canopy.modules.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.List;
import java.util.Map;

/**
 * What a user asked to run: the body of {@code job-manager.submit}. {@code key} makes a submission
 * idempotent: a request resent after a lost link finds the job the first one made.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobSpec(List<String> command, int nnodes, int ntasks, String cwd, Map<String, String> env,
        String output, String error, String name, String key) {
    /** Tasks a job may ask for, to keep one submission from flooding a node with processes. */
    static final int MAX_TASKS = 100_000;

    public JobSpec {
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /**
     * Refuses counts that are not whole numbers from 0 to {@link #MAX_TASKS}, before the body is
     * mapped to this record: mapped, a MessagePack {@code 2^31} wrapped round to a negative int and
     * ran as one task.
     */
    static void checkCounts(JsonNode body) throws RpcException {
        for (String count : List.of("nnodes", "ntasks")) {
            JsonNode n = body.path(count);
            if (n.isMissingNode() || n.isNull()) {
                continue;
            }
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0 || n.asLong() > MAX_TASKS) {
                throw new RpcException(Errno.EINVAL, count + " must be a whole number from 0 (the default) to "
                        + MAX_TASKS + ", not " + n);
            }
        }
    }

    /** The spec with its defaults filled in, or EINVAL naming what is wrong and how to fix it. */
    JobSpec validated() throws RpcException {
        if (command.isEmpty() || command.get(0) == null || command.get(0).isBlank()) {
            throw new RpcException(Errno.EINVAL, "no command given: say what to run, e.g. canopy submit hostname");
        }
        if (nnodes < 0) {
            throw new RpcException(Errno.EINVAL, "nnodes must be 0 (any) or more, not " + nnodes);
        }
        int tasks = ntasks <= 0 ? Math.max(1, nnodes) : ntasks;
        if (tasks > MAX_TASKS) {
            throw new RpcException(Errno.EINVAL, "the job asks for " + tasks + " tasks; at most " + MAX_TASKS);
        }
        if (nnodes > tasks) {
            throw new RpcException(Errno.EINVAL, "the job asks for " + nnodes + " nodes but only " + tasks
                    + " tasks; give at least one task per node (-n " + nnodes + ")");
        }
        if (cwd == null || !cwd.startsWith("/")) {
            throw new RpcException(Errno.EINVAL, "the job's working directory must be an absolute path, not '" + cwd + "'");
        }
        String n = name == null || name.isBlank() ? basename(command.get(0)) : name;
        return new JobSpec(command, nnodes, tasks, cwd, env, output, error, n, key);
    }

    /** The spec without its environment, kept once the job is over. */
    JobSpec withoutEnv() {
        return new JobSpec(command, nnodes, ntasks, cwd, Map.of(), output, error, name, key);
    }

    private static String basename(String path) {
        int slash = path.lastIndexOf('/');
        return slash >= 0 ? path.substring(slash + 1) : path;
    }
}
