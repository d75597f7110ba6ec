package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy dmesg [-f] [-H]}: the broker's recent log lines (owner only), and new ones as they come. */
@Command(name = "dmesg", mixinStandardHelpOptions = true,
        description = {"Print the broker's recent log lines from its ring buffer (owner only).",
            "-f keeps printing new lines as the broker logs them, until interrupted."})
public final class DmesgCommand implements Callable<Integer> {
    /** How often -f asks for new lines. */
    static final long FOLLOW_MS = 250;
    private static final DateTimeFormatter HUMAN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-C", "--clear"}, description = "Empty the ring buffer after printing it.")
    boolean clear;

    @Option(names = {"-r", "--rank"}, description = "Rank whose log to read (default: the local broker).")
    String rank;

    @Option(names = {"-f", "--follow"}, description = "After the lines kept, print new ones as they are logged "
            + "(Ctrl-C to stop).")
    boolean follow;

    @Option(names = {"-H", "--human"}, description = "Times in local time, `2026-12-04 16:41:44.344` (default: UTC, "
            + "ISO 8601).")
    boolean human;

    @Option(names = "--json", description = "Print {\"entries\":[{seq, time (ms), level, logger, message}]} (not with -f).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (json && follow) {
            throw new IllegalArgumentException("--json and --follow do not go together: --json prints what is kept once");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            int nodeid = rank == null ? NodeId.ANY : RankOption.parse(rank);
            Map<String, Object> ask = new LinkedHashMap<>();
            ask.put("clear", clear);
            JsonNode body = Json.tree(client.call("broker.dmesg", nodeid, ask, null).payload());
            if (json) {
                out.println(Json.write(body, false));
                return 0;
            }
            long last = print(out, body);
            while (follow) {
                out.flush();
                Thread.sleep(FOLLOW_MS); // polling the broker's ring; stopped by Ctrl-C
                last = Math.max(last, print(out, Json.tree(client.call("broker.dmesg", nodeid, Map.of("after", last),
                        null).payload())));
            }
        }
        return 0;
    }

    /** Prints the entries of a {@code broker.dmesg} answer; returns the last one's sequence number. */
    private long print(PrintWriter out, JsonNode body) {
        long last = 0;
        for (JsonNode e : body.path("entries")) {
            Instant t = Instant.ofEpochMilli(e.path("time").asLong());
            out.printf("%s %-5s %s: %s%n", human ? HUMAN.format(t) : t.toString(), e.path("level").asText(),
                    e.path("logger").asText(), e.path("message").asText());
            last = Math.max(last, e.path("seq").asLong());
        }
        return last;
    }
}
