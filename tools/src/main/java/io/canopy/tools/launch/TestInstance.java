package io.canopy.tools.launch;

import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away instance of real broker processes in a temporary rundir, for {@code canopy start}
 * and for tests: start it, wait until it runs, use its URI, close it (SIGTERM, orderly shutdown,
 * rundir removed).
 */
public final class TestInstance implements AutoCloseable {
    private final Path rundir;
    private final Process broker;
    private final boolean ownsRundir;

    private TestInstance(Path rundir, Process broker, boolean ownsRundir) {
        this.rundir = rundir;
        this.broker = broker;
        this.ownsRundir = ownsRundir;
    }

    /**
     * Starts a one-broker instance and waits until it reaches {@code run}.
     *
     * @param rundir      where to put the socket and log; {@code null} for a new temporary directory
     * @param brokerArgs  extra {@code canopy broker} options
     * @param timeout     how long to wait for {@code run}
     * @throws IOException when the broker exits or does not reach run in time (with its log's tail)
     */
    public static TestInstance start(Path rundir, List<String> brokerArgs, Duration timeout) throws IOException {
        boolean owns = rundir == null;
        Path dir = owns ? Files.createTempDirectory("canopy-") : rundir;
        Files.createDirectories(dir);
        // Other users may reach the socket; what they may do is decided by their uid.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> args = new ArrayList<>(List.of("broker", "--rundir", dir.toString(), "--hostname", "test0"));
        args.addAll(brokerArgs);
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.canopy(List.of("-XX:+UseSerialGC"), args))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .redirectErrorStream(true);
        pb.environment().remove("CANOPY_URI");
        Process p = pb.start();
        TestInstance instance = new TestInstance(dir, p, owns);
        try {
            instance.awaitRun(timeout);
        } catch (IOException e) {
            instance.close();
            throw e;
        }
        return instance;
    }

    public Path rundir() {
        return rundir;
    }

    public Path socket() {
        return rundir.resolve("local");
    }

    /** {@code local://RUNDIR/local}, the value for {@code CANOPY_URI}. */
    public String uri() {
        return "local://" + socket();
    }

    public Process process() {
        return broker;
    }

    /** The last lines the broker logged. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(rundir.resolve("broker.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no broker log: " + e.getMessage() + ")";
        }
    }

    private void awaitRun(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMs = 10;
        String last = "not started";
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                throw new IOException("the broker exited with status " + broker.exitValue()
                        + " before it was ready; its log ends:\n" + logTail(20));
            }
            if (Files.exists(socket())) {
                try (CanopyClient c = CanopyClient.connect(socket())) {
                    String state = Payloads.tree(c.call("broker.uptime", NodeId.ANY, null, Duration.ofSeconds(5))
                            .payload()).path("state").asText();
                    if (state.equals("run")) {
                        return;
                    }
                    last = "state " + state;
                } catch (IOException | RpcException e) {
                    last = e.getMessage();
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pauseMs); // polling a child process; bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the broker");
            }
            pauseMs = Math.min(pauseMs * 2, 200);
        }
        throw new IOException("the broker did not reach run within " + timeout.toSeconds() + "s (" + last
                + "); its log ends:\n" + logTail(20));
    }

    /** SIGTERM, wait for the orderly shutdown (SIGKILL after 60 s), remove a temporary rundir. */
    @Override
    public void close() {
        broker.destroy();
        try {
            if (!broker.waitFor(60, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broker.destroyForcibly();
        }
        if (ownsRundir) {
            deleteTree(rundir);
        }
    }

    /** The exit status of the broker process, once it exited. */
    public int exitValue() {
        return broker.exitValue();
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }

    /** Environment for a command run inside the instance. */
    public Map<String, String> environment() {
        return Map.of("CANOPY_URI", uri());
    }
}
