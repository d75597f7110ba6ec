package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Errno;
import io.canopy.message.NodeId;
import io.canopy.module.RpcException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy config get [KEY]}: the configuration the broker runs with, every key with the value
 * in force (defaults filled in); a dotted KEY ({@code tbon.lost_timeout}, {@code resource}) prints
 * that value or table, as {@code flux config get} does.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print the configuration the broker runs with, as JSON: every table and key with the value "
                + "in force, defaults filled in.",
            "With KEY (e.g. tbon.lost_timeout or resource), print only that value (strings without quotes) or table."})
public final class ConfigGetCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(arity = "0..1", paramLabel = "KEY", description = "a table or dotted key, e.g. resource.exclude")
    String key;

    @Option(names = {"-r", "--rank"}, description = "The broker whose configuration to show (default: the local one).")
    String rank;

    @Option(names = "--json", description = "Print {\"file\", \"generation\", \"applied\", \"config\"} (generation "
            + "counts reloads; applied is when, in seconds since the epoch).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            int nodeid = rank == null ? NodeId.ANY : RankOption.parse(rank);
            JsonNode body = Json.tree(client.call("config.get", nodeid, null, null).payload());
            if (json) {
                out.println(Json.write(body, false));
                return 0;
            }
            if (body.path("file").isNull()) {
                throw new RpcException(Errno.ENOENT, "this broker runs without a configuration file (canopy broker "
                        + "without --config): every value is its default");
            }
            JsonNode v = lookup(body.path("config"), key);
            out.println(v.isTextual() ? v.asText() : Json.write(v, !v.isValueNode()));
        }
        return 0;
    }

    /** The value at dotted {@code key} ({@code null}: all); an unknown key is an error naming the valid ones. */
    static JsonNode lookup(JsonNode config, String key) throws RpcException {
        if (key == null || key.isBlank()) {
            return config;
        }
        JsonNode at = config;
        List<String> path = new ArrayList<>();
        for (String part : key.split("\\.")) {
            if (!at.isObject() || !at.has(part)) {
                List<String> valid = new ArrayList<>();
                at.fieldNames().forEachRemaining(n -> valid.add(path.isEmpty() ? n : String.join(".", path) + "." + n));
                throw new RpcException(Errno.ENOENT, "no key " + key + " in the configuration"
                        + (valid.isEmpty() ? "" : " (valid here: " + String.join(", ", valid) + ")"));
            }
            at = at.path(part);
            path.add(part);
        }
        return at;
    }
}
