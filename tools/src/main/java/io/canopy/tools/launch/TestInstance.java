package io.canopy.tools.launch;

import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.canopy.overlay.zmq.CurveCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * A throw-away instance of real broker processes in a temporary rundir, for {@code canopy start},
 * tests and benchmarks: start it, wait until every broker runs, use its URI, close it (SIGTERM,
 * orderly shutdown, rundir removed). With more than one broker each is a "host" of its own on its
 * own loopback address ({@code 127.0.1.1}, {@code 127.0.1.2}, ...), joined over the ZeroMQ overlay
 * with an ephemeral CURVE certificate.
 */
public final class TestInstance implements AutoCloseable {
    /** How to start an instance. */
    public record Options(int size, int fanout, Path rundir, List<String> brokerArgs, Duration timeout,
            Duration keepalive, Duration torpid, Duration lost, boolean curve, String extraToml) {

        public static Options of(int size) {
            return new Options(size, 2, null, List.of(), Duration.ofSeconds(120), Duration.ofSeconds(2),
                    Duration.ofSeconds(10), Duration.ofSeconds(30), true, "");
        }

        public Options fanout(int f) {
            return new Options(size, f, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml);
        }

        public Options rundir(Path dir) {
            return new Options(size, fanout, dir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml);
        }

        public Options brokerArgs(List<String> args) {
            return new Options(size, fanout, rundir, args, timeout, keepalive, torpid, lost, curve, extraToml);
        }

        public Options timeout(Duration t) {
            return new Options(size, fanout, rundir, brokerArgs, t, keepalive, torpid, lost, curve, extraToml);
        }

        public Options heartbeats(Duration keep, Duration torp, Duration lostAfter) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keep, torp, lostAfter, curve, extraToml);
        }

        public Options curve(boolean on) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, on, extraToml);
        }

        public Options extraToml(String toml) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, toml);
        }
    }

    private final Options options;
    private final Path rundir;
    private final boolean ownsRundir;
    private final Process[] brokers;

    private TestInstance(Options options, Path rundir, boolean ownsRundir) {
        this.options = options;
        this.rundir = rundir;
        this.ownsRundir = ownsRundir;
        this.brokers = new Process[options.size()];
    }

    /** A one-broker instance (kept for callers of the first version of this class). */
    public static TestInstance start(Path rundir, List<String> brokerArgs, Duration timeout) throws IOException {
        return start(Options.of(1).rundir(rundir).brokerArgs(brokerArgs).timeout(timeout));
    }

    /**
     * Starts every broker and waits until each reaches {@code run}.
     *
     * @throws IOException when a broker exits or the instance does not run in time (with log tails)
     */
    public static TestInstance start(Options o) throws IOException {
        if (o.size() < 1) {
            throw new IllegalArgumentException("an instance needs at least one broker");
        }
        boolean owns = o.rundir() == null;
        Path dir = owns ? Files.createTempDirectory("canopy-") : o.rundir();
        Files.createDirectories(dir);
        // Other users may reach the sockets; what they may do is decided by their uid.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        TestInstance instance = new TestInstance(o, dir, owns);
        try {
            if (o.size() > 1) {
                instance.writeConfig();
            }
            for (int r = o.size() - 1; r >= 0; r--) {
                instance.launch(r);
            }
            instance.awaitRun(o.timeout());
        } catch (IOException | RuntimeException e) {
            instance.close();
            throw e;
        }
        return instance;
    }

    public int size() {
        return options.size();
    }

    public Path rundir() {
        return rundir;
    }

    /** Rank 0's local socket. */
    public Path socket() {
        return socket(0);
    }

    public Path socket(int rank) {
        return brokerDir(rank).resolve("local");
    }

    /** {@code local://...}, the value for {@code CANOPY_URI} (rank 0). */
    public String uri() {
        return uri(0);
    }

    public String uri(int rank) {
        return "local://" + socket(rank);
    }

    /** The system.toml the brokers run with (size above 1). */
    public Path config() {
        return rundir.resolve("system.toml");
    }

    public Process process() {
        return brokers[0];
    }

    public Process process(int rank) {
        return brokers[rank];
    }

    /** Environment for a command run inside the instance. */
    public Map<String, String> environment() {
        return Map.of("CANOPY_URI", uri());
    }

    /** The last lines rank 0 logged. */
    public String logTail(int lines) {
        return logTail(0, lines);
    }

    public String logTail(int rank, int lines) {
        try {
            List<String> all = Files.readAllLines(brokerDir(rank).resolve("broker.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no broker log: " + e.getMessage() + ")";
        }
    }

    /** Starts broker {@code rank} again (after it exited or was killed); does not wait for run. */
    public void restart(int rank) throws IOException {
        if (brokers[rank] != null && brokers[rank].isAlive()) {
            throw new IllegalStateException("rank " + rank + " is still running");
        }
        launch(rank);
    }

    /** Waits until broker {@code rank} answers {@code broker.uptime} with state {@code run}. */
    public void awaitRun(int rank, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMs = 10;
        String last = "not started";
        while (System.nanoTime() < deadline) {
            Process p = brokers[rank];
            if (p != null && !p.isAlive()) {
                throw new IOException("broker rank " + rank + " exited with status " + p.exitValue()
                        + " before it was ready; its log ends:\n" + logTail(rank, 20));
            }
            if (Files.exists(socket(rank))) {
                try (CanopyClient c = CanopyClient.connect(socket(rank))) {
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
                throw new IOException("interrupted waiting for broker rank " + rank);
            }
            pauseMs = Math.min(pauseMs * 2, 200);
        }
        throw new IOException("broker rank " + rank + " did not reach run within " + timeout.toSeconds() + "s ("
                + last + "); its log ends:\n" + logTail(rank, 20));
    }

    /** SIGTERM to every broker (leaves first), wait for their orderly exits, remove a temporary rundir. */
    @Override
    public void close() {
        for (int r = brokers.length - 1; r >= 0; r--) {
            if (brokers[r] != null) {
                brokers[r].destroy();
            }
        }
        for (Process p : brokers) {
            if (p == null) {
                continue;
            }
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        if (ownsRundir) {
            deleteTree(rundir);
        }
    }

    /** The exit status of rank 0, once it exited. */
    public int exitValue() {
        return brokers[0].exitValue();
    }

    /** The loopback address that plays host {@code rank}. */
    public static String address(int rank) {
        return "127.0." + (1 + rank / 250) + "." + (1 + rank % 250);
    }

    private void awaitRun(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int r = 0; r < brokers.length; r++) {
            awaitRun(r, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    private Path brokerDir(int rank) {
        return options.size() == 1 ? rundir : rundir.resolve("r" + rank);
    }

    private void launch(int rank) throws IOException {
        Path dir = brokerDir(rank);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> args = new ArrayList<>(List.of("broker", "--rundir", dir.toString(), "--hostname", "test" + rank,
                "--statedir", dir.resolve("state").toString()));
        if (options.size() > 1) {
            args.addAll(List.of("--config", config().toString()));
        }
        args.addAll(options.brokerArgs());
        List<String> jvm = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xss512k"));
        if (options.size() > 8) {
            jvm.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xmx96m")); // many JVMs on few cores
        }
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.canopy(jvm, args))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .redirectErrorStream(true);
        pb.environment().remove("CANOPY_URI");
        brokers[rank] = pb.start();
    }

    private void writeConfig() throws IOException {
        StringBuilder toml = new StringBuilder("# A test instance of " + options.size() + " brokers, each on its own loopback address\n");
        toml.append("[bootstrap]\n");
        if (options.curve()) {
            Path cert = rundir.resolve("curve.cert");
            if (!Files.exists(cert)) { // an instance restarted in the same rundir keeps its certificate
                CurveCertificate.generate("test-instance").write(cert);
            }
            toml.append("curve_cert = \"").append(cert).append("\"\n");
        }
        toml.append("hosts = [\n");
        for (int r = 0; r < options.size(); r++) {
            String uri = "tcp://" + address(r) + ":" + freePort(address(r));
            toml.append("  { host = \"test").append(r).append("\", bind = \"").append(uri)
                    .append("\", connect = \"").append(uri).append("\" },\n");
        }
        toml.append("]\n[tbon]\nfanout = ").append(options.fanout()).append('\n')
                .append("keepalive_period = \"").append(options.keepalive().toMillis()).append("ms\"\n")
                .append("torpid_timeout = \"").append(options.torpid().toMillis()).append("ms\"\n")
                .append("lost_timeout = \"").append(options.lost().toMillis()).append("ms\"\n")
                .append(options.extraToml()).append('\n');
        Files.writeString(config(), toml);
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return s.getLocalPort();
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
