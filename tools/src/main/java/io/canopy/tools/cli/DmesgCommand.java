package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy dmesg}: the broker's recent log lines (owner only). */
@Command(name = "dmesg", mixinStandardHelpOptions = true,
        description = "Print the broker's recent log lines from its ring buffer (owner only).")
public final class DmesgCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-C", "--clear"}, description = "Empty the ring buffer after printing it.")
    boolean clear;

    @Option(names = {"-r", "--rank"}, description = "Rank whose log to read (default: the local broker).")
    String rank;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            int nodeid = rank == null ? NodeId.ANY : RankOption.parse(rank);
            JsonNode body = Json.tree(client.call("broker.dmesg", nodeid, Map.of("clear", clear), null).payload());
            for (JsonNode e : body.path("entries")) {
                out.printf("%s %-5s %s: %s%n", Instant.ofEpochMilli(e.path("time").asLong()),
                        e.path("level").asText(), e.path("logger").asText(), e.path("message").asText());
            }
        }
        return 0;
    }
}
