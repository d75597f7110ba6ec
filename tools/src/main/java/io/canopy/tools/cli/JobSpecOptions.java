package io.canopy.tools.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code canopy submit} and {@code canopy run} share: the resources, the output files and the
 * command, turned into the body of {@code job-manager.submit}. Everything from the command on is
 * the command's (the commands stop reading options at it).
 */
public final class JobSpecOptions {
    @Option(names = {"-N", "--nodes"}, paramLabel = "NODES", description = "Nodes to spread the tasks over (default: as few as fit).")
    Integer nodes;

    @Option(names = {"-n", "--ntasks"}, paramLabel = "TASKS", description = "Tasks, one core each (default: one per node, or 1).")
    Integer tasks;

    @Option(names = "--output", paramLabel = "FILE", description = "Append the tasks' standard output to FILE (on each node).")
    Path output;

    @Option(names = "--error", paramLabel = "FILE", description = "Append the tasks' standard error to FILE (on each node).")
    Path error;

    @Option(names = "--job-name", paramLabel = "NAME", description = "A name for the job (default: the command's).")
    String name;

    @Parameters(index = "0..*", arity = "0..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command;

    /**
     * The submit body; {@code cwd} and {@code env} are the caller's, {@code key} fresh.
     *
     * @throws IllegalArgumentException (a usage error) for a count below 1
     */
    Map<String, Object> body(Path cwd, Map<String, String> env) {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("give the COMMAND to run");
        }
        return body(cwd, env, command);
    }

    /**
     * The submit body of {@code cmd} with these options.
     *
     * @throws IllegalArgumentException (a usage error) for a count below 1
     */
    Map<String, Object> body(Path cwd, Map<String, String> env, List<String> cmd) {
        if (nodes != null && nodes < 1) {
            throw new IllegalArgumentException("-N/--nodes must be 1 or more, not " + nodes
                    + " (leave it out to use as few nodes as fit)");
        }
        if (tasks != null && tasks < 1) {
            throw new IllegalArgumentException("-n/--ntasks must be 1 or more, not " + tasks
                    + " (leave it out for one task per node)");
        }
        int n = nodes == null ? 0 : nodes;
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("command", cmd);
        b.put("nnodes", n);
        b.put("ntasks", tasks != null ? tasks : Math.max(1, n));
        b.put("cwd", cwd.toAbsolutePath().normalize().toString());
        b.put("env", new TreeMap<>(env));
        b.put("output", output == null ? null : cwd.resolve(output).toAbsolutePath().normalize().toString());
        b.put("error", error == null ? null : cwd.resolve(error).toAbsolutePath().normalize().toString());
        b.put("name", name);
        b.put("key", UUID.randomUUID().toString()); // a resent submission finds the job the first one made
        return b;
    }

    /** Sends the body and returns the new job's id. */
    static long submit(io.canopy.client.CanopyClient client, Map<String, Object> body) throws Exception {
        return Json.tree(client.call("job-manager.submit", Jobs.LEADER, body, null).payload()).path("id").asLong();
    }
}
