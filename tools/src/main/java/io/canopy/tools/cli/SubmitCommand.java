package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy submit [-N NODES] [-n TASKS] [--output FILE] [--error FILE] CMD ARGS...}: queue a job, print its id. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit a job: run COMMAND as TASKS tasks (one core each) over NODES nodes, in this "
                + "directory with this environment. Prints the job id.")
public final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    JobSpecOptions job;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            long id = JobSpecOptions.submit(client, job.body(Path.of("").toAbsolutePath(), System.getenv()));
            spec.commandLine().getOut().println(id);
        }
        return 0;
    }
}
