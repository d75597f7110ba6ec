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
        description = {"Show the broker's state, uptime, rank and instance size. Answers in every state, "
                + "so it tells why a starting broker is not ready yet.",
            "--wait run waits until the broker runs (systemctl start returns as soon as the broker has started, "
                + "while it may still wait for its parent): `systemctl start canopy && canopy uptime --wait run`."})
public final class UptimeCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print a JSON object (state, rank, size, uptime in seconds, ...).")
    boolean json;

    @Option(names = {"-w", "--wait"}, paramLabel = "STATE", description = "Wait until the broker is in STATE (join, "
            + "init, quorum or run), then print as usual; a broker that is not up yet is waited for too.")
    String await;

    @Option(names = {"-t", "--timeout"}, paramLabel = "T", description = "With --wait: give up after T (e.g. 10m; "
            + "exit 1); default: wait as long as it takes.")
    String timeout;

    /** The states --wait accepts, in the order a broker passes them. */
    static final java.util.List<String> WAITABLE = java.util.List.of("join", "init", "quorum", "run");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        byte[] body;
        if (await != null) {
            if (!WAITABLE.contains(await)) {
                throw new IllegalArgumentException("--wait " + await + ": give one of " + String.join(", ", WAITABLE));
            }
            body = waitFor(await, timeout == null ? null : Durations.parse("--timeout", timeout));
        } else {
            try (CanopyClient client = connection.connect()) {
                body = client.call("broker.uptime", NodeId.ANY, null, null).payload();
            }
        }
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

    /**
     * Asks {@code broker.uptime} every 250 ms (connecting again when the broker is not up yet)
     * until the broker is in {@code state}; returns that answer.
     *
     * @throws io.canopy.module.RpcException ETIMEDOUT after {@code limit}, or ECANCELED when the
     *                                        broker began to shut down instead
     */
    private byte[] waitFor(String state, Duration limit) throws Exception {
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        String last = "not up (no broker answers on its socket)";
        while (true) {
            try (CanopyClient client = connection.connect()) {
                while (true) {
                    byte[] body = client.call("broker.uptime", NodeId.ANY, null, null).payload();
                    String now = stateOf(body);
                    if (now.equals(state)) {
                        return body;
                    }
                    if (!WAITABLE.contains(now)) {
                        throw new io.canopy.module.RpcException(io.canopy.message.Errno.ECANCELED, "the broker is "
                                + "shutting down (state " + now + "); it will not reach " + state);
                    }
                    last = "in state " + now;
                    pause(deadline, state, last, limit);
                }
            } catch (java.io.IOException | io.canopy.module.RpcException e) {
                if (e instanceof io.canopy.module.RpcException r && r.errnum() != io.canopy.message.Errno.ECONNRESET) {
                    throw e;
                }
                last = "not up (" + e.getMessage() + ")";
                pause(deadline, state, last, limit);
            }
        }
    }

    private static void pause(long deadline, String state, String last, Duration limit) throws Exception {
        if (System.nanoTime() > deadline) {
            throw new io.canopy.module.RpcException(io.canopy.message.Errno.ETIMEDOUT, "the broker did not reach "
                    + state + " within " + Durations.format(limit) + "; it is " + last + " (see `canopy dmesg` or "
                    + "`journalctl -u canopy` on that node)");
        }
        Thread.sleep(250);
    }

    private static String stateOf(byte[] body) throws java.io.IOException {
        try (MessageUnpacker in = MessagePack.newDefaultUnpacker(body)) {
            Value v = in.unpackValue();
            Value s = v.asMapValue().map().get(org.msgpack.value.ValueFactory.newString("state"));
            return s == null ? "" : s.toString();
        }
    }
}
