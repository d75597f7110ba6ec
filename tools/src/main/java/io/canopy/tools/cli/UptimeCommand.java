package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Durations;
import io.canopy.module.UserNames;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
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
            // Read with msgpack-core alone: this command is run often and Jackson would double its start-up.
            Map<String, Value> u = new HashMap<>();
            try (MessageUnpacker in = MessagePack.newDefaultUnpacker(body)) {
                Value v = in.unpackValue();
                if (json) {
                    spec.commandLine().getOut().println(v.toJson());
                    return 0;
                }
                v.asMapValue().map().forEach((k, x) -> u.put(k.toString(), x));
            }
            String now = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
            String state = u.get("state").toString();
            double shown = state.equals("run") ? u.get("uptime").asFloatValue().toDouble()
                    : u.get("stateSeconds").asFloatValue().toDouble();
            Value parent = u.get("parent");
            spec.commandLine().getOut().printf(" %s %s %s,  owner %s,  rank %d,  size %d%s%n", now, state,
                    Durations.format(Duration.ofMillis((long) (shown * 1000))),
                    UserNames.of(u.get("owner").asIntegerValue().toInt()), u.get("rank").asIntegerValue().toInt(),
                    u.get("size").asIntegerValue().toInt(),
                    parent == null || parent.isNilValue() ? "" : ",  parent " + parent);
            return 0;
        }
    }
}
