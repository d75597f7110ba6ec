package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.module.Durations;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy shutdown [--service-only]}: shuts the instance down in order, leaves first, state
 * handed up the tree and saved by the leader, printing each broker as it finishes.
 */
@Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = "Shut the whole instance down (owner only): leaves first, each broker hands its state to its "
                + "parent, the leader saves it and exits last. With --service-only, brokers without children "
                + "hand up their state and keep running their work; the others exit.")
public final class ShutdownCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--service-only", description = "Stop only brokers with children (service nodes); compute nodes and their work stay up.")
    boolean serviceOnly;

    @Option(names = {"-t", "--timeout"}, defaultValue = "10m", description = "Give up waiting after this long (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = {"-q", "--quiet"}, description = "Print only errors.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration limit = Durations.parse("--timeout", timeout);
        PrintWriter out = spec.commandLine().getOut();
        AtomicInteger done = new AtomicInteger();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", serviceOnly ? "service-only" : "full");
        try (CanopyClient client = connection.connect()) {
            var finished = client.stream(Message.request("shutdown.start", 0, 0, Payloads.encode(body)), m -> {
                try {
                    JsonNode p = Payloads.tree(m.payload());
                    if (p.path("event").asText().equals("done")) {
                        done.set(p.path("done").asInt());
                        if (!quiet) {
                            out.printf("%s (rank %d) done: %d of %d brokers%n", p.path("host").asText(),
                                    p.path("rank").asInt(), p.path("done").asInt(), p.path("total").asInt());
                        }
                    } else if (!quiet) {
                        out.printf("shutting down %d brokers (%s)%n", p.path("total").asInt(), p.path("mode").asText());
                    }
                    out.flush();
                } catch (RpcException e) {
                    out.println("canopy: unreadable progress: " + e.getMessage());
                }
            });
            try {
                JsonNode last = Payloads.tree(finished.get(limit.toNanos(), TimeUnit.NANOSECONDS).payload());
                if (!quiet) {
                    out.printf("the leader saved the state and exited (%d of %d brokers done)%n",
                            last.path("done").asInt(), last.path("total").asInt());
                }
                return 0;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RpcException r && r.errnum() == Errno.ECONNRESET && done.get() > 0) {
                    // The broker this command talks to exited as part of the shutdown.
                    out.println("this broker has exited; the rest of the instance goes on shutting down");
                    return 0;
                }
                throw e.getCause() instanceof Exception x ? x : e;
            } catch (TimeoutException e) {
                throw new IllegalStateException("the shutdown did not finish within " + Durations.format(limit)
                        + " (" + done.get() + " brokers done); see `canopy overlay status` and `canopy dmesg`");
            }
        }
    }
}
