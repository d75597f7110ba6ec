package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

/**
 * {@code canopy exec [-r TARGETS] [-l] [-d DIR] [-n] CMD...}: runs a command on many nodes at once,
 * as {@code flux exec} does, through each broker's {@code rexec} module (owner only). Output is
 * streamed as it comes ({@code --label}: each line prefixed with its host); standard input goes to
 * every node; Ctrl-C stops the command everywhere. At the end, nodes where the command failed,
 * could not start, or that could not be reached are listed on stderr, grouped; the exit status is
 * the worst one (the highest exit status, 128+N for a signal, 127 for a command not found, 1 for a
 * node that could not be reached).
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run a command on many nodes in parallel, as the instance owner (owner only), like flux exec.",
            "Output is streamed as it comes (--label prefixes each line with its host); standard input goes to every "
                + "node (-n: none); Ctrl-C stops the command everywhere. Nodes where it failed or that could not be "
                + "reached are listed at the end; the exit status is the worst one."})
public final class ExecCommand implements Callable<Integer> {
    /** How often the command tells each node it is still there (rexec kills orphans after 10 s). */
    static final long KEEPALIVE_MS = 3_000;

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-r", "--rank"}, paramLabel = "TARGETS", description = "Ranks (0-3,7) or hosts (node[1-4]) to "
            + "run on (default: every node).")
    String targets;

    @Option(names = {"-l", "--label"}, description = "Prefix each line of output with its host (`node3: ...`).")
    boolean label;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", description = "Working directory on the nodes (default: "
            + "this one).")
    String dir;

    @Option(names = {"-n", "--noinput"}, description = "Give the command no standard input (/dev/null).")
    boolean noInput;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "the command and its arguments")
    List<String> command;

    @Spec
    CommandSpec spec;

    /** How one node's run ended: an exit status, or why there was none. */
    private record Outcome(int status, String problem) {}

    private final Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    private final OutputStream stderr = new FileOutputStream(FileDescriptor.err);
    private volatile boolean interrupted;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try (CanopyClient client = connection.connect()) {
            List<String> hosts = hosts(client);
            List<Integer> ranks = ExecTargets.resolve(targets, hosts);
            String id = UUID.randomUUID().toString();
            Map<String, Object> body = Map.of("id", id, "cmd", command,
                    "cwd", dir != null ? dir : System.getProperty("user.dir"), "env", System.getenv(), "stdin", !noInput);
            CountDownLatch started = new CountDownLatch(ranks.size());
            Map<Integer, Labeler> labelers = new TreeMap<>();
            List<CompletableFuture<Message>> runs = new ArrayList<>();
            for (int rank : ranks) {
                Labeler out = new Labeler(label ? hosts.get(rank) + ": " : null, stdout);
                Labeler errs = new Labeler(label ? hosts.get(rank) + ": " : null, stderr);
                labelers.put(rank, out);
                boolean[] seen = {false};
                CompletableFuture<Message> run = client.stream(Message.request("rexec.exec", rank, 0,
                        Payloads.encode(body)), part -> {
                            if (!seen[0]) {
                                seen[0] = true;
                                started.countDown();
                            }
                            onPart(part, out, errs);
                        });
                run.whenComplete((m, t) -> {
                    if (!seen[0]) {
                        started.countDown();
                    }
                    out.flush();
                    errs.flush();
                    finished(rank, hosts.get(rank), m, t);
                });
                runs.add(run);
            }
            handleInterrupt(client, id, ranks, err);
            ScheduledExecutorService keepalive = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "exec-keepalive");
                t.setDaemon(true);
                return t;
            });
            keepalive.scheduleAtFixedRate(() -> keepalive(client, id, ranks, hosts), KEEPALIVE_MS, KEEPALIVE_MS,
                    TimeUnit.MILLISECONDS);
            if (!noInput) {
                Thread in = new Thread(() -> feedStdin(client, id, ranks, started), "exec-stdin");
                in.setDaemon(true);
                in.start();
            }
            for (int i = 0; i < ranks.size(); i++) {
                int rank = ranks.get(i);
                // a node whose broker went away answers nothing: the keepalive notices and records it
                while (!outcomes.containsKey(rank)) {
                    try {
                        runs.get(i).get(250, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                        // waiting on; outcomes is filled by finished() or keepalive()
                    }
                }
            }
            keepalive.shutdownNow();
            return report(ranks, hosts, err);
        }
    }

    private static List<String> hosts(CanopyClient client) throws RpcException {
        JsonNode t = Json.tree(client.call("overlay.topology", NodeId.ANY, null, null).payload());
        List<String> hosts = new ArrayList<>();
        for (JsonNode r : t.path("ranks")) {
            int rank = r.path("rank").asInt();
            while (hosts.size() <= rank) {
                hosts.add("?");
            }
            hosts.set(rank, r.path("host").asText());
        }
        return hosts;
    }

    private static void onPart(Message part, Labeler out, Labeler errs) {
        try {
            JsonNode p = Payloads.tree(part.payload());
            if (p.has("stream")) {
                byte[] data = p.path("data").binaryValue();
                (p.path("stream").asText().equals("stderr") ? errs : out).write(data);
            }
        } catch (IOException | RpcException e) {
            // a part we cannot read: skip it, the end is reported anyway
        }
    }

    private void finished(int rank, String host, Message m, Throwable t) {
        if (t == null) {
            try {
                outcomes.putIfAbsent(rank, new Outcome(Payloads.tree(m.payload()).path("status").asInt(1), null));
            } catch (RpcException e) {
                outcomes.putIfAbsent(rank, new Outcome(1, "unreadable answer: " + e.getMessage()));
            }
            return;
        }
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof RpcException r) {
            String msg = r.getMessage().replace(" on " + host + ":", ":").replace(" on " + host + " ", " ");
            int status = switch (r.errnum()) {
                case Errno.EHOSTUNREACH -> 1;
                case Errno.ENOENT -> msg.startsWith("cannot run") ? 127 : 1;
                case 13 -> 126; // EACCES: the command is not executable there, as a shell says
                default -> 1;
            };
            String what = r.errnum() == Errno.EHOSTUNREACH ? "unreachable: " + msg : msg;
            outcomes.putIfAbsent(rank, new Outcome(status, what));
        } else {
            outcomes.putIfAbsent(rank, new Outcome(1, String.valueOf(cause)));
        }
    }

    /** Tells every node still running that this command is still there; a node that cannot hear it is lost. */
    private void keepalive(CanopyClient client, String id, List<Integer> ranks, List<String> hosts) {
        for (int rank : ranks) {
            if (outcomes.containsKey(rank)) {
                continue;
            }
            client.send("rexec.keepalive", rank, Map.of("id", id)).whenComplete((m, t) -> {
                if (t == null) {
                    return;
                }
                Throwable cause = t.getCause() != null ? t.getCause() : t;
                if (cause instanceof RpcException r && r.errnum() == Errno.ENOENT) {
                    // it may just have ended, its last answer on the way: give it a moment
                    CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(() -> outcomes.putIfAbsent(rank,
                            new Outcome(1, "lost while running: " + r.getMessage())));
                } else {
                    outcomes.putIfAbsent(rank, new Outcome(1, "lost while running: " + cause.getMessage()));
                }
            });
        }
    }

    /** Sends what this command reads on its standard input to every node that started, then end of file. */
    private void feedStdin(CanopyClient client, String id, List<Integer> ranks, CountDownLatch started) {
        try {
            started.await();
            InputStream in = System.in;
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                byte[] data = Arrays.copyOf(buf, n);
                for (int rank : ranks) {
                    if (!outcomes.containsKey(rank)) {
                        client.send("rexec.write", rank, Map.of("id", id, "data", data));
                    }
                }
            }
        } catch (IOException e) {
            // no more input
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (int rank : ranks) {
            if (!outcomes.containsKey(rank)) {
                client.send("rexec.write", rank, Map.of("id", id, "data", new byte[0], "eof", true));
            }
        }
    }

    /** Ctrl-C: SIGTERM to the command on every node (rexec follows with SIGKILL); a second one exits at once. */
    private void handleInterrupt(CanopyClient client, String id, List<Integer> ranks, PrintWriter err) {
        Signal.handle(new Signal("INT"), sig -> {
            if (interrupted) {
                err.println("canopy: interrupted again: exiting; the nodes kill what is left");
                err.flush();
                Runtime.getRuntime().halt(130);
            }
            interrupted = true;
            long left = ranks.stream().filter(r -> !outcomes.containsKey(r)).count();
            err.println("canopy: interrupted: stopping the command on " + left + " node(s) (Ctrl-C again to leave now)");
            err.flush();
            for (int rank : ranks) {
                if (!outcomes.containsKey(rank)) {
                    client.send("rexec.kill", rank, Map.of("id", id, "signal", 15));
                }
            }
        });
    }

    /** Lists the nodes that did not exit 0, grouped by what happened; returns the worst status. */
    private int report(List<Integer> ranks, List<String> hosts, PrintWriter err) {
        Map<String, List<Integer>> groups = new TreeMap<>();
        int worst = 0;
        for (int rank : ranks) {
            Outcome o = outcomes.get(rank);
            worst = Math.max(worst, o.status());
            if (o.problem() != null) {
                groups.computeIfAbsent(o.problem(), k -> new ArrayList<>()).add(rank);
            } else if (o.status() != 0) {
                String what = o.status() > 128 && o.status() < 128 + 65 ? "killed by signal " + (o.status() - 128)
                        : "exit " + o.status();
                groups.computeIfAbsent(what, k -> new ArrayList<>()).add(rank);
            }
        }
        for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
            List<Integer> rs = g.getValue();
            List<String> names = rs.stream().map(hosts::get).toList();
            String idset = io.canopy.idset.IdSet.of(rs.stream().mapToInt(Integer::intValue).toArray()).toString();
            err.println("canopy: " + io.canopy.idset.Hostlist.compress(names) + (rs.size() == 1 ? " (rank " : " (ranks ")
                    + idset + "): " + g.getKey());
        }
        err.flush();
        return worst;
    }

    /**
     * Writes one node's output stream: as it comes, or (with a label) line by line, each line
     * prefixed with its host, a last line without a newline finished at the end.
     */
    private static final class Labeler {
        private final byte[] prefix;
        private final OutputStream to;
        private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

        Labeler(String prefix, OutputStream to) {
            this.prefix = prefix == null ? null : prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            this.to = to;
        }

        void write(byte[] data) throws IOException {
            if (prefix == null) {
                synchronized (to) {
                    to.write(data);
                    to.flush();
                }
                return;
            }
            int start = 0;
            for (int i = 0; i < data.length; i++) {
                if (data[i] == '\n') {
                    partial.write(data, start, i + 1 - start);
                    line();
                    start = i + 1;
                }
            }
            partial.write(data, start, data.length - start);
        }

        void flush() {
            if (prefix != null && partial.size() > 0) {
                partial.write('\n');
                try {
                    line();
                } catch (IOException e) {
                    // stdout closed: nothing to do
                }
            }
        }

        private void line() throws IOException {
            synchronized (to) {
                to.write(prefix);
                partial.writeTo(to);
                to.flush();
            }
            partial.reset();
        }
    }
}
