package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
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
        description = {"Draw the tree of brokers: each rank's host, state and status (online, torpid, lost, "
                + "offline), and each subtree's rollup (full, partial, degraded, lost, offline).",
            "--summary prints only the root's line; -v adds how long each rank has had its status and the round "
                + "trip of asking it (ms), as flux overlay status -v/-vv do."})
public final class OverlayStatusCommand implements Callable<Integer> {
    private static final Set<String> ROLLUPS = Set.of("full", "partial", "degraded", "lost", "offline");

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-r", "--rank"}, defaultValue = "0", description = "Root of the subtree to show (default: 0).")
    int rank;

    @Option(names = "--json", description = "Print {\"ranks\":[{rank, host, state, status, subtree, parent, children, "
            + "reason, since, rttMs}], \"security\"} as JSON.")
    boolean json;

    @Option(names = "--summary", description = "Print only the root of the subtree: its rollup and state.")
    boolean summary;

    @Option(names = {"-d", "--depth"}, paramLabel = "N", description = "Draw N levels below the root only; a "
            + "broker at the last level says how many ranks are below it (for large trees).")
    Integer depth;

    @Option(names = {"-v", "--verbose"}, description = "Show how long each rank has had its status and the round trip "
            + "of asking it, in ms.")
    boolean verbose;

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
        if (depth != null && depth < 0) {
            throw new IllegalArgumentException("--depth " + depth + ": give 0 or more levels");
        }
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
                m.put("since", n.since() == null ? null : n.since() / 1000.0);
                m.put("rttMs", n.rttMs());
                ranks.add(m);
            });
            out.println(Json.write(Map.of("ranks", ranks, "security", security), false));
            return;
        }
        String warning = securityWarning(security);
        if (warning != null) {
            out.println(warning);
        }
        if (summary) {
            OverlayWalk.Node n = nodes.get(rank);
            out.println(n.rank() + " " + n.host() + ": " + n.subtree() + " (" + n.state() + ")");
            return;
        }
        draw(out, nodes, rank, "", "", depth == null ? Integer.MAX_VALUE : depth);
    }

    /** {@code  for 3m2s (1.234 ms)}: time in its status and the round trip of asking it. */
    private static String detail(OverlayWalk.Node n) {
        StringBuilder b = new StringBuilder();
        if (n.since() != null && n.since() > 0) {
            b.append(" for ").append(Durations.format(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - n.since()))));
        }
        if (n.rttMs() != null) {
            b.append(String.format(java.util.Locale.ROOT, " [%.3f ms]", n.rttMs()));
        }
        return b.toString();
    }

    private void draw(PrintWriter out, Map<Integer, OverlayWalk.Node> nodes, int r, String lead, String indent,
            int levels) {
        OverlayWalk.Node n = nodes.get(r);
        if (levels == 0 && !n.children().isEmpty()) {
            out.println(lead + n.rank() + " " + n.host() + ": " + tail(n) + " [" + below(nodes, r) + " ranks below]");
            return;
        }
        out.println(lead + n.rank() + " " + n.host() + ": " + tail(n));
        List<List<Integer>> groups = siblingRuns(nodes, n.children());
        for (int i = 0; i < groups.size(); i++) {
            boolean last = i == groups.size() - 1;
            List<Integer> g = groups.get(i);
            if (g.size() == 1) {
                draw(out, nodes, g.get(0), indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  "),
                        levels - 1);
            } else {
                out.println(indent + (last ? "└─ " : "├─ ") + IdSet.of(g.stream().mapToInt(Integer::intValue).toArray())
                        + " " + Hostlist.compress(g.stream().map(c -> nodes.get(c).host()).toList()) + ": "
                        + tail(nodes.get(g.get(0))));
            }
        }
    }

    private static int below(Map<Integer, OverlayWalk.Node> nodes, int r) {
        int count = 0;
        for (int c : nodes.get(r).children()) {
            count += 1 + below(nodes, c);
        }
        return count;
    }

    /** What follows {@code rank host: } on a rank's line. */
    private String tail(OverlayWalk.Node n) {
        String word = n.children().isEmpty() ? n.status() : n.subtree();
        return word + (verbose ? detail(n) : "") + " (" + n.state() + ")"
                + (n.reason() != null && !n.status().equals("online") ? " " + n.reason() : "");
    }

    /**
     * The children in order, consecutive leaves that would print the same line after their rank and
     * host taken together (drawn as one line with the ranks and hosts compressed), so that 1,000
     * healthy leaves of one router take a line, and a leaf that differs stands out on its own.
     * Not with {@code -v}: each rank's times are its own.
     */
    private List<List<Integer>> siblingRuns(Map<Integer, OverlayWalk.Node> nodes, List<Integer> children) {
        List<List<Integer>> runs = new ArrayList<>();
        String previous = null;
        for (int c : children) {
            OverlayWalk.Node n = nodes.get(c);
            String key = !verbose && n.children().isEmpty() ? tail(n) : null;
            if (key != null && key.equals(previous)) {
                runs.get(runs.size() - 1).add(c);
            } else {
                runs.add(new ArrayList<>(List.of(c)));
            }
            previous = key;
        }
        return runs;
    }
}
