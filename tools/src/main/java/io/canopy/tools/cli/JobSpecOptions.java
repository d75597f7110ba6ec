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
    int nodes;

    @Option(names = {"-n", "--ntasks"}, paramLabel = "TASKS", description = "Tasks, one core each (default: one per node, or 1).")
    int tasks;

    @Option(names = "--output", paramLabel = "FILE", description = "Append the tasks' standard output to FILE (on each node).")
    Path output;

    @Option(names = "--error", paramLabel = "FILE", description = "Append the tasks' standard error to FILE (on each node).")
    Path error;

    @Option(names = "--job-name", paramLabel = "NAME", description = "A name for the job (default: the command's).")
    String name;

    @Parameters(index = "0..*", arity = "0..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command;

    /** The submit body; {@code cwd} and {@code env} are the caller's, {@code key} fresh. */
    Map<String, Object> body(Path cwd, Map<String, String> env) {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("give the COMMAND to run");
        }
        return body(cwd, env, command);
    }

    /** The submit body of {@code cmd} with these options. */
    Map<String, Object> body(Path cwd, Map<String, String> env, List<String> cmd) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("command", cmd);
        b.put("nnodes", Math.max(0, nodes));
        b.put("ntasks", tasks > 0 ? tasks : Math.max(1, nodes));
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
