package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy resource eventlog [TARGETS]}: the history the leader keeps of drains, undrains,
 * nodes lost and restored, and exclude changes, with who and why; kept on the leader's disk.
 */
@Command(name = "eventlog", mixinStandardHelpOptions = true,
        description = {"Show the resource eventlog the leader keeps on disk: who drained and undrained which nodes, "
                + "when and why, nodes lost and restored, and changes of [resource] exclude. Oldest first.",
            "One line per event: TIME NAME NODELIST key=value..."})
public final class ResourceEventlogCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(arity = "0..1", paramLabel = "TARGETS", description = "only events about these ranks or hosts")
    String targets;

    @Option(names = {"-n", "--last"}, paramLabel = "N", description = "Only the last N events.")
    int last;

    @Option(names = {"-H", "--human"}, description = "Times as local date and time (default: seconds since the epoch).")
    boolean human;

    @Option(names = "--json", description = "Print {\"events\":[{seq, time, name, ranks, nodelist, context}, ...]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> ask = new LinkedHashMap<>();
        ask.put("targets", targets == null ? "" : targets);
        ask.put("limit", last);
        try (CanopyClient client = connection.connect()) {
            JsonNode r = Json.tree(client.call("resource.eventlog", ResourceView.LEADER, ask, null).payload());
            if (json) {
                out.println(Json.write(r, false));
                return 0;
            }
            for (JsonNode e : r.path("events")) {
                out.println(line(e, human));
            }
        }
        return 0;
    }

    /** {@code TIME NAME NODELIST key=value ...}, values with blanks quoted. */
    static String line(JsonNode e, boolean human) {
        double t = e.path("time").asDouble();
        String time = human ? DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.ofEpochMilli((long) (t * 1000))
                .atZone(ZoneId.systemDefault())).replaceAll("\\.\\d+$", "")
                : String.format(java.util.Locale.ROOT, "%.6f", t);
        StringBuilder b = new StringBuilder(time).append(' ').append(e.path("name").asText()).append(' ')
                .append(e.path("nodelist").asText());
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("context").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            String v = f.getValue().asText();
            b.append(' ').append(f.getKey()).append('=').append(v.isEmpty() || v.contains(" ") ? Json.write(v, false) : v);
        }
        return b.toString();
    }
}
