package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy resource status}: nodes grouped by state, drains with their reasons. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show nodes grouped by state (avail, exclude, draining, drained, torpid, lost, offline), "
                + "with drain reasons.",
            "Fields for -o: state, statex, status, up, nnodes, ranks, nodelist, timestamp, user, source, jobs, reason "
                + "(e.g. -o '{state:>10} {nnodes:>6} {ranks:<8} {nodelist}'); -o long adds ranks, time and user."})
public final class ResourceStatusCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-s", "--states"}, paramLabel = "STATES", description = "Only these states, comma-separated: "
            + "avail, exclude, draining, drained, drain (both), torpid, lost, offline, all (the default); "
            + "`-s help` lists them.")
    String states;

    @Option(names = {"-o", "--format"}, paramLabel = "FORMAT", description = "The columns: default, long, or "
            + "fields such as '{state:>10} {nnodes:>6} {nodelist}'.")
    String format;

    @Option(names = {"-n", "--no-header"}, description = "No header line.")
    boolean noHeader;

    @Option(names = "--json", description = "Print {\"nodes\":[{rank, host, state, excluded, jobs, jobids, drain, drains, "
            + "reboot}, ...]} "
            + "(only nodes in the --states, when given).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ("help".equals(states)) {
            out.println("valid states: " + String.join(",", ResourceFormat.STATES) + ",drain,all");
            return 0;
        }
        Set<String> wanted = ResourceFormat.states(states);
        ResourceFormat.status(format); // a bad format is a usage error before anything is asked
        try (CanopyClient client = connection.connect()) {
            ResourceView view = new ResourceView(client);
            if (json) {
                ObjectNode body = JsonNodeFactory.instance.objectNode();
                ArrayNode nodes = body.putArray("nodes");
                for (JsonNode n : view.body.path("nodes")) {
                    if (wanted.contains(ResourceView.state(n))) {
                        nodes.add(n);
                    }
                }
                out.println(Json.write(body, false));
                return 0;
            }
            return ResourceFormat.printStatus(view, out, format, states, noHeader, false);
        }
    }
}
