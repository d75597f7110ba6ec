package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy resource list}: nodes that can take work and nodes that cannot. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List nodes as free (available for work) or down (drained, torpid, lost or offline); "
                + "nodes in [resource] exclude are not listed.")
public final class ResourceListCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @picocli.CommandLine.Option(names = "--json", description = "Print {\"free\":{nnodes, nodelist}, \"down\":{nnodes, "
            + "nodelist}}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            List<String> free = new ArrayList<>();
            List<String> down = new ArrayList<>();
            for (var n : new ResourceView(client).body.path("nodes")) {
                String state = ResourceView.state(n);
                if (state.equals("exclude")) {
                    continue; // never schedulable: not a resource at all, as in flux resource list
                }
                (state.equals("avail") ? free : down).add(n.path("host").asText());
            }
            if (json) {
                out.println(Json.write(java.util.Map.of(
                        "free", java.util.Map.of("nnodes", free.size(), "nodelist", ResourceView.hostlist(free)),
                        "down", java.util.Map.of("nnodes", down.size(), "nodelist", ResourceView.hostlist(down))), false));
                return 0;
            }
            out.printf("%6s %6s %s%n", "STATE", "NNODES", "NODELIST");
            out.printf("%6s %6d %s%n", "free", free.size(), ResourceView.hostlist(free));
            out.printf("%6s %6d %s%n", "down", down.size(), ResourceView.hostlist(down));
        }
        return 0;
    }
}
