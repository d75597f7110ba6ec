package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import io.canopy.module.RpcException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code canopy resource drain --wait}: polls {@code resource.status} until every node asked for is
 * drained (no job runs there any more), with a progress line that rewrites itself on a terminal
 * and a line per change elsewhere.
 */
final class DrainWait {
    private static final long POLL_MS = 250;

    /**
     * Where the nodes stand: {@code done} hosts drained, {@code waiting} hosts still draining, each
     * with the jobs that keep it.
     */
    record Progress(List<String> done, java.util.Map<String, List<Long>> waiting) {
        String line() {
            List<String> all = new ArrayList<>(done);
            all.addAll(waiting.keySet());
            return "draining " + Hostlist.compress(all) + ": " + done.size() + " of " + all.size() + " drained"
                    + (waiting.isEmpty() ? "" : "; waiting on " + blockers(waiting));
        }

        /**
         * {@code node3 (job 42), node7 (jobs 43,44)}; more than four nodes as one hostlist with
         * their jobs (the first ten).
         */
        static String blockers(java.util.Map<String, List<Long>> waiting) {
            if (waiting.size() <= 4) {
                List<String> parts = new ArrayList<>();
                waiting.forEach((h, jobs) -> parts.add(h + (jobs.isEmpty() ? "" : " (" + ResourceView.jobList(jobs) + ")")));
                return String.join(", ", parts);
            }
            TreeSet<Long> jobs = new TreeSet<>();
            waiting.values().forEach(jobs::addAll);
            List<Long> first = jobs.stream().limit(10).toList();
            return Hostlist.compress(new ArrayList<>(waiting.keySet())) + (jobs.isEmpty() ? "" : " ("
                    + ResourceView.jobList(first) + (jobs.size() > 10 ? " and " + (jobs.size() - 10) + " more" : "") + ")");
        }
    }

    private final CanopyClient client;
    private final Set<Integer> ranks;
    private final PrintWriter err;
    private final boolean terminal;

    DrainWait(CanopyClient client, List<Integer> ranks, PrintWriter err, boolean terminal) {
        this.client = client;
        this.ranks = new TreeSet<>(ranks);
        this.err = err;
        this.terminal = terminal;
    }

    /** Where the nodes of {@code ranks} stand in a {@code resource.status} answer. */
    static Progress progress(JsonNode status, Set<Integer> ranks) {
        List<String> done = new ArrayList<>();
        java.util.Map<String, List<Long>> waiting = new java.util.LinkedHashMap<>();
        for (JsonNode n : status.path("nodes")) {
            if (ranks.contains(n.path("rank").asInt())) {
                boolean drained = n.path("drain").path("state").asText("").equals("drained");
                if (drained) {
                    done.add(n.path("host").asText());
                } else {
                    waiting.put(n.path("host").asText(), ResourceView.jobs(n));
                }
            }
        }
        return new Progress(done, waiting);
    }

    /** Waits; 0 when all are drained, 1 when {@code limit} (null: none) passed first. */
    int await(Duration limit) throws RpcException, InterruptedException {
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        String last = null;
        while (true) {
            Progress p = progress(Json.tree(client.call("resource.status", ResourceView.LEADER, null, null).payload()), ranks);
            String line = p.line();
            if (!line.equals(last)) {
                if (terminal) {
                    err.print("\r\033[K" + line);
                } else {
                    err.println(line);
                }
                err.flush();
                last = line;
            }
            if (p.waiting().isEmpty()) {
                if (terminal) {
                    err.println();
                }
                return 0;
            }
            if (System.nanoTime() > deadline) {
                if (terminal) {
                    err.println();
                }
                err.println("canopy: " + Progress.blockers(p.waiting()) + " still running jobs after "
                        + io.canopy.module.Durations.format(limit) + "; `canopy jobs` shows what runs where: "
                        + "wait longer, or cancel those jobs");
                return 1;
            }
            Thread.sleep(POLL_MS); // the broker has no drain-progress stream; a poll every 250 ms is cheap
        }
    }
}
