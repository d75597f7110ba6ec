package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy resource status}: nodes grouped by state, drains with their reasons. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show nodes grouped by state (avail, draining, drained, torpid, lost, offline), with drain reasons.")
public final class ResourceStatusCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print {\"nodes\":[{rank, host, state, drain}, ...]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            ResourceView view = new ResourceView(client);
            if (json) {
                out.println(Json.write(view.body, false));
                return 0;
            }
            out.printf("%10s %2s %6s %-20s %s%n", "STATE", "UP", "NNODES", "NODELIST", "REASON");
            for (ResourceView.Group g : view.groups()) {
                out.printf("%10s %2s %6d %-20s %s%n", g.state(), g.up() ? "y" : "n", g.hosts().size(),
                        ResourceView.hostlist(g.hosts()), g.reason() == null ? "" : g.reason());
            }
        }
        return 0;
    }
}
