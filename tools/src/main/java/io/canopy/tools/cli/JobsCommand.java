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

/** {@code canopy jobs [-a] [-u USER] [-f STATES] [-o FORMAT] [-n] [--json]}: the jobs of the instance, newest first. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = {"List jobs, newest first: active ones, or all with -a. ST is D/S/R/C (depend, sched, run, "
                + "cleanup), or for inactive jobs CD (completed), F (failed), CA (canceled), E (exception).",
            "Fields for -o (flux's names): id, username, userid, name, state, result, status, status_abbrev, ntasks, "
                + "nnodes, runtime, nodelist, ranks, exitcode, t_submit, t_run, t_inactive; e.g. "
                + "-o '{id:>6} {username:<8} {status:<10} {nodelist}'."})
public final class JobsCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-a", "--all"}, description = "Inactive jobs too.")
    boolean all;

    @Option(names = "--json", description = "Print {\"jobs\":[...]} as the job manager gives it (after -u and -f).")
    boolean json;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Only jobs of USER (a name or uid; all: "
            + "everyone, the default).")
    String user;

    @Option(names = {"-f", "--filter"}, paramLabel = "STATES", description = "Only jobs in these states or results, "
            + "comma-separated: depend, sched, run, cleanup, completed, failed, canceled, exception, or pending, "
            + "running, active, inactive. Inactive ones imply -a.")
    String filter;

    @Option(names = {"-o", "--format"}, paramLabel = "FORMAT", description = "The columns, as fields such as "
            + "'{id:>8} {username:<10} {status} {nodelist}'.")
    String format;

    @Option(names = {"-n", "--no-header"}, description = "No header line.")
    boolean noHeader;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        java.util.Set<String> wanted = filter == null ? null : JobsFormat.filter(filter);
        double now = System.currentTimeMillis() / 1000.0;
        OutputFormat<JsonNode> f = format == null ? null : OutputFormat.parse(format.equals("default")
                ? JobsFormat.DEFAULT : format, JobsFormat.fields(now));
        try (CanopyClient client = connection.connect()) {
            JsonNode r = Jobs.call(client, "list", Map.of("all", all || wanted != null && JobsFormat.needsInactive(wanted)));
            com.fasterxml.jackson.databind.node.ArrayNode jobs = com.fasterxml.jackson.databind.node.JsonNodeFactory
                    .instance.arrayNode();
            for (JsonNode j : r.path("jobs")) {
                if (JobsFormat.byUser(j, user) && (wanted == null || JobsFormat.matches(j, wanted))) {
                    jobs.add(j);
                }
            }
            if (json) {
                out.println(Json.write(Map.of("jobs", jobs), false));
                return 0;
            }
            if (!noHeader) {
                out.println(f == null ? JobFormat.HEADER : f.header());
            }
            for (JsonNode j : jobs) {
                out.println(f == null ? JobFormat.row(j, now) : f.row(j));
            }
        }
        return 0;
    }
}
