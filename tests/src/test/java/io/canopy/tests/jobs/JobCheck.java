package io.canopy.tests.jobs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What the job tests do and read back through {@code bin/canopy}, with the output on failure. */
final class JobCheck {
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private JobCheck() {}

    static Result ok(Cli cli, String... args) {
        Result r = cli.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + ": " + r);
        return r;
    }

    /** {@code canopy submit ARGS}: the new job's id. */
    static long submit(Cli cli, String... args) {
        List<String> all = new ArrayList<>(List.of("submit"));
        all.addAll(List.of(args));
        return Long.parseLong(ok(cli, all.toArray(String[]::new)).stdout().strip());
    }

    /** {@code canopy job info ID --json}. */
    static JsonNode info(Cli cli, long id) {
        return ok(cli, "job", "info", Long.toString(id), "--json").json();
    }

    static String state(Cli cli, long id) {
        return info(cli, id).path("state").asText();
    }

    /** Waits until job {@code id} is in {@code state}. */
    static void awaitState(Cli cli, long id, String state) {
        try {
            await("job " + id + " " + state).atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> state(cli, id), state::equals);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; the nodes: " + cli.run("resource", "status", "--json").stdout()
                    + "; the jobs: " + cli.run("jobs", "-a").stdout(), e);
        }
    }

    /** {@code canopy job wait ID}, which must end within the patience; the job's JSON afterwards. */
    static JsonNode waitFor(Cli cli, long id) {
        cli.withTimeout(PATIENCE).run("job", "wait", Long.toString(id));
        return info(cli, id);
    }

    /** The names in the job's eventlog, in order. */
    static List<String> eventNames(Cli cli, long id) {
        List<String> names = new ArrayList<>();
        for (String line : ok(cli, "job", "eventlog", Long.toString(id)).lines()) {
            String[] f = line.strip().split("\\s+");
            if (f.length > 1) {
                names.add(f[1]);
            }
        }
        return names;
    }

    /** Processes whose command line contains {@code marker}, from /proc. */
    static List<Long> processesWith(String marker) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(marker) && !cmd.contains("canopy")) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (java.io.IOException gone) {
                    // exited while listed
                }
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot list /proc: " + e.getMessage(), e);
        }
        return pids;
    }

    /** Kills what a test left running (a broker killed under its job leaves its tasks behind). */
    static void killAll(String marker) {
        for (long pid : processesWith(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The first exception of the job with this type, or a missing node. */
    static JsonNode exception(JsonNode job, String type) {
        for (JsonNode x : job.path("exceptions")) {
            if (x.path("type").asText().equals(type)) {
                return x;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
