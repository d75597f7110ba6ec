package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy job info|eventlog|wait ID}: one job in detail. */
@Command(name = "job", mixinStandardHelpOptions = true, description = "Look at one job.",
        subcommands = {JobCommand.Info.class, JobCommand.Eventlog.class, JobCommand.Wait.class})
public final class JobCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say what to do: info, eventlog or wait");
    }

    /** {@code canopy job info ID [--json]}. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show a job: its state, result, nodes, exceptions, and the CPU time and peak memory its "
                    + "cgroups measured (summed over nodes, and the largest node's peak).")
    public static final class Info implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(paramLabel = "ID", description = "The job id.")
        long id;

        @Option(names = "--json", description = "Print the job's JSON.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (CanopyClient client = connection.connect()) {
                JsonNode j = Jobs.info(client, id);
                if (json) {
                    out.println(Json.write(j, false));
                    return 0;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = j.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    String k = f.getKey();
                    JsonNode v = f.getValue();
                    if (k.equals("exceptions")) {
                        for (JsonNode x : v) {
                            out.printf("exception: %s severity=%d %s%n", x.path("type").asText(), x.path("severity").asInt(),
                                    x.path("note").asText());
                        }
                    } else if (k.startsWith("t_")) {
                        out.printf("%s: %s%n", k.substring(2), JobFormat.time(v));
                    } else if (k.equals("usage")) {
                        out.printf("cpu time: %s%n", v.path("cpu_usec").isNumber()
                                ? JobFormat.duration(v.path("cpu_usec").asLong() / 1e6) : "-");
                        out.printf("peak memory: %s%n", v.path("memory_peak").isNumber()
                                ? JobFormat.bytes(v.path("memory_peak").asLong()) : "-");
                        out.printf("containment: %s%n", v.isObject() ? v.path("containment").asText("-") : "-");
                    } else if (k.equals("command")) {
                        StringBuilder b = new StringBuilder();
                        v.forEach(a -> b.append(b.length() == 0 ? "" : " ").append(a.asText()));
                        out.printf("command: %s%n", b);
                    } else {
                        out.printf("%s: %s%n", k, v.isNull() ? "-" : v.asText());
                    }
                }
            }
            return 0;
        }
    }

    /** {@code canopy job eventlog ID}. */
    @Command(name = "eventlog", mixinStandardHelpOptions = true, description = "Show what happened to a job, in order.")
    public static final class Eventlog implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(paramLabel = "ID", description = "The job id.")
        long id;

        @Option(names = "--json", description = "Print {\"events\":[{timestamp, name, context}, ...]}.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (CanopyClient client = connection.connect()) {
                JsonNode log = Jobs.call(client, "eventlog", Map.of("id", id));
                if (json) {
                    spec.commandLine().getOut().println(Json.write(log, false));
                    return 0;
                }
                for (JsonNode e : log.path("events")) {
                    spec.commandLine().getOut().println(JobFormat.eventLine(e));
                }
            }
            return 0;
        }
    }

    /** {@code canopy job wait ID}: exits with the job's status. */
    @Command(name = "wait", mixinStandardHelpOptions = true,
            description = "Wait until a job is over; exit with its status (its exit code, or 1 when it never ran).")
    public static final class Wait implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;

        @Parameters(paramLabel = "ID", description = "The job id.")
        long id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (CanopyClient client = connection.connect()) {
                JsonNode j = Jobs.call(client, "wait", Map.of("id", id));
                String trouble = JobFormat.trouble(j);
                if (trouble != null) {
                    spec.commandLine().getErr().println("canopy: " + trouble);
                }
                return JobFormat.exitStatus(j);
            }
        }
    }
}
