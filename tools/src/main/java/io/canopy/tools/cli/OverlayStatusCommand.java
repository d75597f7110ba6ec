package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.module.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy overlay status}: the tree with each rank's host, state and status, and a rollup
 * for each subtree; {@code --wait} polls until the subtree reaches a status.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Draw the tree of brokers: each rank's host, state and status (online, torpid, lost, "
                + "offline), and each subtree's rollup (full, partial, degraded, lost, offline).")
public final class OverlayStatusCommand implements Callable<Integer> {
    private static final Set<String> ROLLUPS = Set.of("full", "partial", "degraded", "lost", "offline");

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-r", "--rank"}, defaultValue = "0", description = "Root of the subtree to show (default: 0).")
    int rank;

    @Option(names = "--json", description = "Print {\"ranks\":[...]} as JSON.")
    boolean json;

    @Option(names = {"-w", "--wait"}, paramLabel = "STATUS",
            description = "Wait until the subtree's rollup is STATUS (full, partial, degraded, lost, offline).")
    String waitFor;

    @Option(names = {"-t", "--timeout"}, defaultValue = "60s",
            description = "With --wait, give up after this long (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (waitFor != null && !ROLLUPS.contains(waitFor)) {
            throw new IllegalArgumentException("--wait " + waitFor + ": use one of " + ROLLUPS);
        }
        Duration limit = Durations.parse("--timeout", timeout);
        PrintWriter out = spec.commandLine().getOut();
        try (CanopyClient client = connection.connect()) {
            OverlayWalk walk = new OverlayWalk(client, Duration.ofSeconds(2));
            Map<Integer, OverlayWalk.Node> nodes = walk.walk(rank);
            long deadline = System.nanoTime() + limit.toNanos();
            while (waitFor != null && !nodes.get(rank).subtree().equals(waitFor)) {
                if (System.nanoTime() > deadline) {
                    print(out, nodes, walk.security());
                    throw new IllegalStateException("rank " + rank + " did not become " + waitFor + " within "
                            + Durations.format(limit) + " (it is " + nodes.get(rank).subtree() + ")");
                }
                Thread.sleep(250); // polling the instance; bounded by --timeout
                nodes = walk.walk(rank);
            }
            print(out, nodes, walk.security());
        }
        return 0;
    }

    /** The line that says the links are not protected, or null when they are. */
    static String securityWarning(String security) {
        return security.equals("plain") ? "warning: the links are plain TCP (no bootstrap.curve_cert): not encrypted, "
                + "and any host that reaches a broker's port can join (see canopy keygen)" : null;
    }

    private void print(PrintWriter out, Map<Integer, OverlayWalk.Node> nodes, String security) {
        if (json) {
            List<Map<String, Object>> ranks = new ArrayList<>();
            nodes.values().stream().sorted((a, b) -> Integer.compare(a.rank(), b.rank())).forEach(n -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rank", n.rank());
                m.put("host", n.host());
                m.put("state", n.state());
                m.put("status", n.status());
                m.put("subtree", n.subtree());
                m.put("parent", n.parent());
                m.put("children", n.children());
                m.put("reason", n.reason());
                ranks.add(m);
            });
            out.println(Json.write(Map.of("ranks", ranks, "security", security), false));
            return;
        }
        String warning = securityWarning(security);
        if (warning != null) {
            out.println(warning);
        }
        draw(out, nodes, rank, "", "");
    }

    private void draw(PrintWriter out, Map<Integer, OverlayWalk.Node> nodes, int r, String lead, String indent) {
        OverlayWalk.Node n = nodes.get(r);
        String word = n.children().isEmpty() ? n.status() : n.subtree();
        out.println(lead + n.rank() + " " + n.host() + ": " + word + " (" + n.state() + ")"
                + (n.reason() != null && !n.status().equals("online") ? " " + n.reason() : ""));
        for (int i = 0; i < n.children().size(); i++) {
            boolean last = i == n.children().size() - 1;
            draw(out, nodes, n.children().get(i), indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  "));
        }
    }
}
