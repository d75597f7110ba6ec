package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code canopy resource reboot --wait}: polls {@code resource.reboot-status} for one wave until
 * every node is done, failed or canceled, with a progress line on every change (rewritten in place
 * on a terminal). A broker that goes away (the leader restarted, when this command talks to it) is
 * connected to again: the wave goes on at the leader regardless.
 */
final class RebootProgress {
    private static final long POLL_MS = 500;
    private static final List<String> ORDER = List.of("done", "rebooting", "checking", "waiting", "failed", "canceled");

    private final ConnectionOptions connection;
    private final long id;
    private final PrintWriter err;
    private final boolean terminal;

    RebootProgress(ConnectionOptions connection, long id, PrintWriter err, boolean terminal) {
        this.connection = connection;
        this.id = id;
        this.err = err;
        this.terminal = terminal;
    }

    /**
     * One line for a wave: {@code reboot wave 3 node[1-8]: 2 done, 1 rebooting (node3), 3 waiting
     * (node4: waiting on job 42; node[5-6]: idle; waiting for a slot (at most 2 down at once))}.
     */
    static String line(JsonNode wave) {
        Map<String, List<JsonNode>> by = new LinkedHashMap<>();
        ORDER.forEach(s -> by.put(s, new ArrayList<>()));
        List<String> all = new ArrayList<>();
        for (JsonNode n : wave.path("nodes")) {
            by.computeIfAbsent(n.path("state").asText(), k -> new ArrayList<>()).add(n);
            all.add(n.path("host").asText());
        }
        List<String> parts = new ArrayList<>();
        by.forEach((state, nodes) -> {
            if (nodes.isEmpty()) {
                return;
            }
            String detail = state.equals("done") ? "" : " (" + details(state, nodes) + ")";
            parts.add(nodes.size() + " " + state + detail);
        });
        return "reboot wave " + wave.path("id").asLong() + " " + Hostlist.compress(all) + ": " + String.join(", ", parts);
    }

    /** The nodes of one state, grouped by what they wait for: {@code node4: waiting on job 42; node[5-6]: idle}. */
    private static String details(String state, List<JsonNode> nodes) {
        Map<String, List<String>> byNote = new LinkedHashMap<>();
        for (JsonNode n : nodes) {
            String note = state.equals("rebooting") || state.equals("checking") ? "" : n.path("note").asText("");
            byNote.computeIfAbsent(note, k -> new ArrayList<>()).add(n.path("host").asText());
        }
        List<String> out = new ArrayList<>();
        byNote.forEach((note, hosts) -> out.add(Hostlist.compress(hosts) + (note.isEmpty() ? "" : ": " + note)));
        String s = String.join("; ", out);
        return s.length() > 400 ? s.substring(0, 400) + "…" : s;
    }

    /** A wave in one line for the list: its number, who, when, options, nodes and where they stand. */
    static String summary(JsonNode w) {
        return line(w) + " [by " + w.path("user").asText() + " at " + ResourceFormat.time(w.path("time").asDouble())
                + (w.path("whenIdle").asBoolean() ? ", when idle" : "") + (w.path("resume").asBoolean() ? ", resume" : "")
                + (w.path("maxParallel").asInt() > 0 ? ", max " + w.path("maxParallel").asInt() + " at once" : "")
                + (w.path("finished").isNull() ? ", in progress" : ", finished " + ResourceFormat.time(w.path("finished")
                        .asDouble())) + "] " + w.path("reason").asText();
    }

    /** Waits for the wave to end; 0 when every node rebooted (or was taken out of it), 1 when one failed. */
    int await() throws InterruptedException, IOException, RpcException {
        String last = null;
        CanopyClient client = null;
        try {
            while (true) {
                JsonNode wave;
                try {
                    if (client == null) {
                        client = connection.connect();
                    }
                    wave = Json.tree(client.call("resource.reboot-status", ResourceView.LEADER, Map.of("id", id), null)
                            .payload()).path("waves").path(0);
                } catch (IOException | RpcException e) {
                    if (e instanceof RpcException r && r.errnum() != Errno.ECONNRESET && r.errnum() != Errno.EAGAIN
                            && r.errnum() != Errno.EHOSTUNREACH) {
                        throw e;
                    }
                    if (client != null) {
                        client.close();
                        client = null;
                        err.println((terminal ? "\n" : "") + "canopy: lost the broker (" + e.getMessage()
                                + "); the reboot goes on at the leader: connecting again");
                        err.flush();
                    }
                    Thread.sleep(1000); // a broker restarting: try again each second
                    continue;
                }
                String line = line(wave);
                if (!line.equals(last)) {
                    if (terminal) {
                        err.print("\r\033[K" + line);
                    } else {
                        err.println(line);
                    }
                    err.flush();
                    last = line;
                }
                if (!wave.path("finished").isNull()) {
                    if (terminal) {
                        err.println();
                    }
                    int status = 0;
                    for (JsonNode n : wave.path("nodes")) {
                        String state = n.path("state").asText();
                        if (state.equals("failed") || state.equals("canceled")) {
                            err.println("canopy: " + n.path("host").asText() + " (rank " + n.path("rank").asInt() + ") "
                                    + state + ": " + n.path("note").asText() + (state.equals("failed")
                                            ? "; it stays drained (`canopy resource info " + n.path("host").asText() + "`)"
                                            : ""));
                            status = state.equals("failed") ? 1 : status;
                        }
                    }
                    return status;
                }
                Thread.sleep(POLL_MS); // no progress stream from the leader; a poll every 500 ms is cheap
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }
}
