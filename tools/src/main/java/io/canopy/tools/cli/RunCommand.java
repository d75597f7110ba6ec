package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy run ...}: submit a job, show its output as it comes and exit with its status. The
 * first Ctrl-C cancels the job (and keeps waiting for it to end); a second one leaves it running.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a job and wait for it: its tasks' output and errors appear here, and the exit "
                + "status is the job's (the largest of its tasks'; 1 when it never ran). Ctrl-C cancels it.")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    JobSpecOptions job;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            long id = JobSpecOptions.submit(client, job.body(Path.of("").toAbsolutePath(), System.getenv()));
            cancelOnInterrupt(client, id);
            PrintStream out = System.out; // the job's bytes, as they come, not picocli's formatted writer
            PrintStream err = System.err;
            CompletableFuture<Message> done = client.stream(
                    Message.request("job-manager.attach", Jobs.LEADER, 0, Payloads.encode(Map.of("id", id))),
                    part -> show(part, id, out, err));
            Message last;
            try {
                last = done.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception c ? c : e;
            }
            if (last.isError()) {
                throw new io.canopy.module.RpcException(last.errnum(), last.errstr());
            }
            out.flush();
            JsonNode j = Json.tree(last.payload());
            String trouble = JobFormat.trouble(j);
            if (trouble != null && !j.path("exitcode").isNumber()) {
                err.println("canopy: " + trouble);
            }
            return JobFormat.exitStatus(j);
        }
    }

    private static void show(Message part, long id, PrintStream out, PrintStream err) {
        try {
            JsonNode p = Json.tree(part.payload());
            JsonNode o = p.path("output");
            if (o.isObject()) {
                (o.path("stream").asText().equals("stderr") ? err : out).print(o.path("data").asText());
                return;
            }
            JsonNode e = p.path("event");
            if (e.path("name").asText().equals("exception")) {
                JsonNode c = e.path("context");
                err.println("canopy: job " + id + ": exception type=" + c.path("type").asText() + " severity="
                        + c.path("severity").asInt() + ": " + c.path("note").asText());
            }
        } catch (io.canopy.module.RpcException ex) {
            err.println("canopy: unreadable part of job " + id + "'s output: " + ex.getMessage());
        }
    }

    /** Ctrl-C: cancel the job and wait for it to end; a second Ctrl-C within 2 s leaves it running. */
    private static void cancelOnInterrupt(CanopyClient client, long id) {
        long[] first = {0};
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                long now = System.nanoTime();
                if (first[0] != 0 && now - first[0] < 2_000_000_000L) {
                    System.err.println("canopy: detached; job " + id + " keeps running (canopy cancel " + id + ")");
                    Runtime.getRuntime().halt(130);
                }
                first[0] = now;
                System.err.println("canopy: canceling job " + id + " (Ctrl-C again within 2 s to leave it running)");
                client.send("job-manager.cancel", Jobs.LEADER, Map.of("id", id));
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGINT here (not a terminal session): nothing to catch
        }
    }
}
