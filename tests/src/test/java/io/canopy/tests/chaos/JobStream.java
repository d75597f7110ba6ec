package io.canopy.tests.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * A steady stream of jobs submitted through random brokers, as users on every node would: each
 * submission carries a key, and one whose broker dies before it answers is sent again, with the
 * same key, through another, so every submission ends with exactly one job id. Every task appends
 * {@code JOBID.TASK} to a shared file when it starts, so a task that runs twice shows. Only errors
 * that say a broker went away are retried; any other refusal is a finding.
 */
final class JobStream implements AutoCloseable {
    /** What a job runs and what it must end with when nothing goes wrong. */
    enum Kind {
        TRUE(0, 1, "true", 0),
        EXIT3(0, 1, "sleep 0.5; exit 3", 3),
        SLEEP5(0, 1, "sleep 5", 0),
        WIDE2(2, 2, "sleep 1", 0),
        WIDE3(3, 3, "sleep 1", 0);

        final int nnodes;
        final int ntasks;
        final String script;
        final int exitcode;

        Kind(int nnodes, int ntasks, String script, int exitcode) {
            this.nnodes = nnodes;
            this.ntasks = ntasks;
            this.script = script;
            this.exitcode = exitcode;
        }
    }

    /** One submission: its key, its kind, and the id it got (null while unanswered). */
    static final class Submission {
        final String key = UUID.randomUUID().toString();
        final Kind kind;
        volatile Long id;
        int attempts;

        Submission(Kind kind) {
            this.kind = kind;
        }
    }

    static final String MARK = "chaos-4720";
    private static final Duration RESEND = Duration.ofMillis(500);

    private final Random random;
    private final Path runs;
    private final int size;
    private final IntPredicate available;
    private final Function<Integer, Path> socket;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chaos-jobs");
        t.setDaemon(true);
        return t;
    });
    /** Stream thread only. */
    private final Map<Integer, CanopyClient> clients = new HashMap<>();
    private final List<Submission> submissions = new ArrayList<>();
    private final Set<String> errors = ConcurrentHashMap.newKeySet();
    private volatile boolean submitting;

    /**
     * @param random    the test's seeded randomness (used on the stream thread only)
     * @param runs      the file tasks append to
     * @param size      ranks in the instance
     * @param available which ranks may be asked now (running, not frozen)
     * @param socket    a rank's local socket
     */
    JobStream(Random random, Path runs, int size, IntPredicate available, Function<Integer, Path> socket) {
        this.random = random;
        this.runs = runs;
        this.size = size;
        this.available = available;
        this.socket = socket;
    }

    /** Submits one job every 200 to 800 ms until {@link #stop}. */
    void start() {
        submitting = true;
        thread.execute(this::next);
    }

    /** No new submissions; those made go on until answered. */
    void stop() {
        submitting = false;
    }

    private void next() {
        if (!submitting) {
            return;
        }
        long pending = submissions.stream().filter(s -> s.id == null).count();
        if (pending < 40) { // while the leader is away submissions wait; do not pile up thousands
            Kind[] kinds = Kind.values();
            Submission s = new Submission(kinds[random.nextInt(kinds.length)]);
            submissions.add(s);
            send(s);
        }
        thread.schedule(this::next, 200 + random.nextInt(600), TimeUnit.MILLISECONDS);
    }

    private void send(Submission s) {
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (available.test(r)) {
                ranks.add(r);
            }
        }
        if (ranks.isEmpty()) {
            thread.schedule(() -> send(s), RESEND.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        int rank = ranks.get(random.nextInt(ranks.size()));
        s.attempts++;
        CanopyClient client;
        try {
            client = clients.containsKey(rank) ? clients.get(rank) : CanopyClient.connect(socket.apply(rank));
            clients.put(rank, client);
        } catch (IOException e) {
            thread.schedule(() -> send(s), RESEND.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        client.send("job-manager.submit", 0, body(s)).whenComplete((m, err) -> thread.execute(() -> answered(s, rank, client, m, err)));
    }

    private void answered(Submission s, int rank, CanopyClient client, Message m, Throwable err) {
        int errnum = err instanceof RpcException e ? e.errnum() : m != null && m.isError() ? m.errnum() : 0;
        if (err == null && m != null && !m.isError()) {
            try {
                s.id = Payloads.tree(m.payload()).path("id").asLong();
            } catch (RpcException e) {
                errors.add("unreadable submit answer: " + e.getMessage());
            }
            return;
        }
        if (errnum == Errno.ECONNRESET || err != null && !(err instanceof RpcException)) {
            if (clients.get(rank) == client) {
                clients.remove(rank).close();
            }
            thread.schedule(() -> send(s), RESEND.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        if (errnum == Errno.EAGAIN && s.attempts < 200) {
            thread.schedule(() -> send(s), RESEND.toMillis(), TimeUnit.MILLISECONDS); // a broker still starting
            return;
        }
        String why = err != null ? err.getMessage() : m.errstr();
        errors.add("a submission through rank " + rank + " failed (" + Errno.name(errnum) + "): " + why);
    }

    private Map<String, Object> body(Submission s) {
        String script = "echo $CANOPY_JOB_ID.$CANOPY_TASK_RANK >> " + runs + "; " + s.kind.script + " # " + MARK;
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("command", List.of("sh", "-c", script));
        b.put("nnodes", s.kind.nnodes);
        b.put("ntasks", s.kind.ntasks);
        b.put("cwd", "/tmp");
        b.put("key", s.key);
        return b;
    }

    /** Every submission so far (a copy, taken on the stream thread). */
    List<Submission> submissions() {
        try {
            return thread.submit(() -> List.copyOf(submissions)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the job stream does not answer: " + e, e);
        }
    }

    /** Refusals that were not a broker going away. */
    Set<String> errors() {
        return Set.copyOf(errors);
    }

    /** The job JSON of every job, from the leader ({@code job-manager.list all}). */
    static Map<Long, JsonNode> jobs(Path leader) throws IOException, RpcException {
        Map<Long, JsonNode> out = new LinkedHashMap<>();
        try (CanopyClient c = CanopyClient.connect(leader)) {
            for (JsonNode j : Payloads.tree(c.call("job-manager.list", 0, Map.of("all", true), Duration.ofSeconds(30))
                    .payload()).path("jobs")) {
                out.put(j.path("id").asLong(), j);
            }
        }
        return out;
    }

    @Override
    public void close() {
        submitting = false;
        thread.execute(() -> clients.values().forEach(CanopyClient::close));
        thread.shutdown();
    }
}
