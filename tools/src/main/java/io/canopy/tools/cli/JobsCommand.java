package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy jobs [-a] [--json]}: the jobs of the instance, newest first. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "List jobs, newest first: active ones, or all with -a. ST is D/S/R/C (depend, sched, run, "
                + "cleanup), or for inactive jobs CD (completed), F (failed), CA (canceled), E (exception).")
public final class JobsCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-a", "--all"}, description = "Inactive jobs too.")
    boolean all;

    @Option(names = "--json", description = "Print {\"jobs\":[...]} as the job manager gives it.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            JsonNode r = Jobs.call(client, "list", Map.of("all", all));
            if (json) {
                out.println(Json.write(r, false));
                return 0;
            }
            out.println(JobFormat.HEADER);
            double now = System.currentTimeMillis() / 1000.0;
            for (JsonNode j : r.path("jobs")) {
                out.println(JobFormat.row(j, now));
            }
        }
        return 0;
    }
}
