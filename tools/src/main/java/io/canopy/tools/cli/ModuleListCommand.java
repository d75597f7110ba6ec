package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy module list}: what is loaded, in which state, serving what. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the loaded modules.")
public final class ModuleListCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-r", "--rank"}, description = "Rank to ask (default: the local broker).")
    String rank;

    @Option(names = "--json", description = "Print the list as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            JsonNode body = Json.tree(client.call("module.list", RankOption.parse(rank), null, null).payload());
            if (json) {
                out.println(Json.write(body, false));
                return 0;
            }
            out.printf("%-16s %-10s %8s %6s  %-24s %s%n", "Module", "State", "Handled", "Queue", "Services", "Source");
            for (JsonNode m : body.path("modules")) {
                List<String> services = new ArrayList<>();
                m.path("services").forEach(s -> services.add(s.asText()));
                out.printf("%-16s %-10s %8d %6d  %-24s %s%n", m.path("name").asText(),
                        m.path("state").asText().toLowerCase(), m.path("handled").asLong(),
                        m.path("queued").asInt(), String.join(",", services), m.path("source").asText());
            }
        }
        return 0;
    }
}
