package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy ping SERVICE}: round trips to {@code SERVICE.ping} ({@code broker} for the broker
 * itself; every module answers {@code NAME.ping}), with the time each took.
 */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = "Send SERVICE.ping requests and print each round-trip time.")
public final class PingCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "SERVICE", description = "broker, or a module's service name, e.g. hello")
    String service;

    @Option(names = {"-c", "--count"}, defaultValue = "1", description = "Pings to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = {"-r", "--rank"}, description = "Rank to ping: a number, any (default) or upstream.")
    String rank;

    @Option(names = {"-i", "--interval"}, defaultValue = "0s",
            description = "Pause between pings, e.g. 1s (default: none).")
    String interval;

    /** Padding that leaves room for the rest of a ping within the default maximum frame (64 MiB). */
    private static final int MAX_PAD = 64 * 1024 * 1024 - 4096;

    @Option(names = {"-p", "--pad"}, defaultValue = "0", description = "Bytes of padding in each ping.")
    int pad;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw new IllegalArgumentException("--count must be at least 1");
        }
        if (pad < 0 || pad > MAX_PAD) {
            throw new IllegalArgumentException("--pad must be from 0 to " + MAX_PAD + " bytes, not " + pad);
        }
        int nodeid = RankOption.parse(rank);
        Duration pause = Durations.parse("--interval", interval);
        String topic = service.contains(".") ? service : service + ".ping";
        char[] padding = new char[pad];
        Arrays.fill(padding, 'p');
        PrintWriter out = spec.commandLine().getOut();
        double[] ms = new double[count];
        try (CanopyClient client = connection.connect()) {
            for (int seq = 0; seq < count; seq++) {
                Map<String, Object> body = Map.of("seq", seq, "pad", new String(padding));
                long t0 = System.nanoTime();
                Message resp = client.call(topic, nodeid, body, null);
                ms[seq] = (System.nanoTime() - t0) / 1e6;
                out.printf(Locale.ROOT, "%s pad=%d seq=%d time=%.3f ms%n", resp.topic(), pad, seq, ms[seq]);
                out.flush();
                if (seq + 1 < count && !pause.isZero()) {
                    Thread.sleep(pause.toMillis());
                }
            }
        }
        if (count > 1) {
            Arrays.sort(ms);
            out.printf(Locale.ROOT, "%d pings: min %.3f ms, median %.3f ms, max %.3f ms%n",
                    count, ms[0], ms[count / 2], ms[count - 1]);
        }
        return 0;
    }
}
