package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Durations;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy rpc TOPIC [JSON]}: one request with a JSON payload, its answer printed as JSON. */
@Command(name = "rpc", mixinStandardHelpOptions = true,
        description = "Send one request and print the response as JSON. The JSON payload is sent as MessagePack.")
public final class RpcCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "service.method, e.g. hello.greet")
    String topic;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JSON", description = "payload, e.g. '{\"name\":\"x\"}'")
    String json;

    @Option(names = {"-r", "--rank"}, description = "Rank to send to: a number, any (default) or upstream.")
    String rank;

    @Option(names = {"-t", "--timeout"}, description = "Give up after this long, e.g. 5s (default: wait).")
    String timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        byte[] payload = Json.toMsgpack(json);
        Duration limit = timeout == null ? null : Durations.parse("--timeout", timeout);
        try (CanopyClient client = connection.connect()) {
            Message resp = client.call(topic, RankOption.parse(rank), payload, limit);
            spec.commandLine().getOut().println(Json.fromMsgpack(resp.payload()));
            return 0;
        }
    }
}
