package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy config reload}: the leader reads its system.toml again and every broker applies
 * what can change at run time; a bad file is refused with its error and nothing changes. This is
 * the unit's {@code ExecReload} ({@code systemctl reload canopy}), with {@code --follower-noop} so
 * that reloading every node does it once.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Read system.toml again on the leader and apply, on every broker, what can change at run time: "
                + "[resource] (exclude, drain_on_lost) and [job-exec] (epilog, epilog_timeout, drain_on_epilog_failure, "
                + "kill_timeout). Other keys take effect when the brokers start again; they are listed.",
            "A file that is not valid is refused with its error (file, line, key) and the configuration in force is "
                + "kept. Owner only."})
public final class ConfigReloadCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--follower-noop", description = "On a broker other than the leader, do nothing (exit 0): "
            + "`systemctl reload canopy` run on every node reloads once, from the leader.")
    boolean followerNoop;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            if (followerNoop) {
                JsonNode up = Json.tree(client.call("broker.uptime", NodeId.ANY, null, null).payload());
                if (up.path("rank").asInt() != 0) {
                    return 0;
                }
            }
            JsonNode r = Json.tree(client.call("config.reload", 0, null, null).payload());
            out.printf("config generation %d from %s: applied %s%n", r.path("generation").asLong(),
                    r.path("file").asText(), r.path("applied").isEmpty() ? "nothing (no runtime key changed)"
                            : join(r.path("applied")));
            r.path("modules").fields().forEachRemaining(m -> out.printf("  %s on the leader: %s%n", m.getKey(),
                    m.getValue().asText()));
            if (!r.path("restart").isEmpty()) {
                spec.commandLine().getErr().println("canopy: changed, but in force only when the brokers start again: "
                        + join(r.path("restart")));
            }
        }
        return 0;
    }

    private static String join(JsonNode keys) {
        java.util.List<String> all = new java.util.ArrayList<>();
        keys.forEach(k -> all.add(k.asText()));
        return String.join(", ", all);
    }
}
