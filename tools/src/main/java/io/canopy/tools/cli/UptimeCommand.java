package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Durations;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy uptime}: the broker's state, how long it has been up, and the instance's shape. */
@Command(name = "uptime", mixinStandardHelpOptions = true,
        description = "Show the broker's state, uptime, rank and instance size. Answers in every state, "
                + "so it tells why a starting broker is not ready yet.")
public final class UptimeCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print a JSON object (state, rank, size, uptime in seconds, ...).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            byte[] body = client.call("broker.uptime", NodeId.ANY, null, null).payload();
            JsonNode u = Json.tree(body);
            if (json) {
                spec.commandLine().getOut().println(Json.write(u, false));
                return 0;
            }
            String now = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
            double shown = u.path("state").asText().equals("run") ? u.path("uptime").asDouble()
                    : u.path("stateSeconds").asDouble();
            spec.commandLine().getOut().printf(" %s %s %s,  owner %s,  rank %d,  size %d%n", now,
                    u.path("state").asText(), Durations.format(Duration.ofMillis((long) (shown * 1000))),
                    Users.name(u.path("owner").asInt()), u.path("rank").asInt(), u.path("size").asInt());
            return 0;
        }
    }
}
