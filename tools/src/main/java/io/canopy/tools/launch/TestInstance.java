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
 * with an ephemeral CURVE certificate. With {@link Options#brokersPerProcess} above 1, several
 * brokers share a JVM ({@code canopy broker --ranks}), each still with its own directory, socket,
 * address, log file and {@code dmesg} ring.
 */
public final class TestInstance implements AutoCloseable {
    /** How to start an instance. */
    public record Options(int size, int fanout, Path rundir, List<String> brokerArgs, Duration timeout,
            Duration keepalive, Duration torpid, Duration lost, boolean curve, String extraToml, boolean fakeReboot,
            int brokersPerProcess, boolean leaderAlone) {

        public static Options of(int size) {
            return new Options(size, 2, null, List.of(), Duration.ofSeconds(120), Duration.ofSeconds(2),
                    Duration.ofSeconds(10), Duration.ofSeconds(30), true, "", false, 1, false);
        }

        /**
         * Packs {@code k} brokers into each JVM ({@code canopy broker --ranks}): ranks 0..k-1 in the
         * first, k..2k-1 in the second, and so on. 1 (the default) is a JVM per broker. Not with
         * {@link #fakeReboot} (the fake reboot stops the JVM of the broker that asked).
         */
        public Options brokersPerProcess(int k) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml,
                    fakeReboot, k, leaderAlone);
        }

        /**
         * With {@code on}, the instance's {@code [resource] reboot_command} and {@code health_check}
         * are the fakes this class writes into the rundir ({@code fake-reboot}, {@code fake-health-check}):
         * a broker that runs the reboot command gets a new boot id and is started again, as
         * systemd would at boot. Needs more than one broker (a configured instance).
         */
        public Options fakeReboot(boolean on) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml, on,
                    brokersPerProcess, leaderAlone);
        }

        public Options fanout(int f) {
            return new Options(size, f, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }

        public Options rundir(Path dir) {
            return new Options(size, fanout, dir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }

        public Options brokerArgs(List<String> args) {
            return new Options(size, fanout, rundir, args, timeout, keepalive, torpid, lost, curve, extraToml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }

        public Options timeout(Duration t) {
            return new Options(size, fanout, rundir, brokerArgs, t, keepalive, torpid, lost, curve, extraToml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }

        public Options heartbeats(Duration keep, Duration torp, Duration lostAfter) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keep, torp, lostAfter, curve, extraToml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }

        public Options curve(boolean on) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, on, extraToml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }

        /**
         * With {@link #brokersPerProcess} above 1: the leader gets a JVM of its own (as it has a machine
         * of its own in a cluster), so that what it costs can be told from its neighbours'; rank 1 up
         * are packed as before, the first JVM holding one rank fewer.
         */
        public Options leaderAlone(boolean on) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, extraToml,
                    fakeReboot, brokersPerProcess, on);
        }

        public Options extraToml(String toml) {
            return new Options(size, fanout, rundir, brokerArgs, timeout, keepalive, torpid, lost, curve, toml, fakeReboot,
                    brokersPerProcess, leaderAlone);
        }
    }

    private final Options options;
    private final Path rundir;
    private final boolean ownsRundir;
    private final Process[] brokers;
    /** Set by {@link #close()}: a broker that exits from then on is not started again. */
    private volatile boolean closing;
    /** Held for the whole of {@link #close()}: a second call waits for the first and does nothing. */
    private final Object closeLock = new Object();
    private boolean closed;

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
        if (o.brokersPerProcess() < 1 || o.brokersPerProcess() > 1 && (o.size() == 1 || o.fakeReboot())) {
            throw new IllegalArgumentException("brokers per process: give 1, or more for an instance of several "
                    + "brokers without the fake reboot (it stops the JVM of the broker that asked)");
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
            int k = o.brokersPerProcess();
            for (int first = (o.size() - 1) / k * k; first >= 0; first -= k) {
                int last = Math.min(first + k, o.size()) - 1;
                if (first == 0 && o.leaderAlone() && last > 0) {
                    instance.launch(1, last);
                    last = 0;
                }
                instance.launch(first, last);
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

    /** How many broker JVMs the instance started (fewer than brokers when packed). */
    public synchronized int processCount() {
        return (int) java.util.Arrays.stream(brokers).filter(java.util.Objects::nonNull).distinct().count();
    }

    /** The JVM broker {@code rank} runs in (shared with the other ranks of its group when packed). */
    public synchronized Process process(int rank) {
        return brokers[rank];
    }

    /**
     * Makes broker {@code rank} alone vanish, as a crashed node would ({@code broker.kill}: no goodbye,
     * its sockets closed), whether or not it shares its JVM; returns once its socket is gone.
     */
    public void killBroker(int rank) throws IOException {
        try (CanopyClient c = CanopyClient.connect(socket(rank))) {
            c.call("broker.kill", NodeId.ANY, Payloads.encode(Map.of("reason", "test instance")), Duration.ofSeconds(10));
        } catch (RpcException e) {
            throw new IOException("broker.kill of rank " + rank + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(socket(rank))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("rank " + rank + " still has its socket 30s after broker.kill");
            }
            pause(20);
        }
    }

    /** The fake reboot command of an instance started with {@link Options#fakeReboot}. */
    public Path fakeReboot() {
        return rundir.resolve("fake-reboot");
    }

    /** The fake health check of an instance started with {@link Options#fakeReboot}. */
    public Path fakeHealthCheck() {
        return rundir.resolve("fake-health-check");
    }

    /** Broker {@code rank}'s own directory (its socket, log and, for the fake reboot, boot_id and marker files). */
    public Path brokerDirectory(int rank) {
        return brokerDir(rank);
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

    /**
     * Starts broker {@code rank} again (after it exited or was killed); does not wait for run. A
     * broker that shared its JVM comes back in a JVM of its own (its old JVM may still host others).
     */
    public synchronized void restart(int rank) throws IOException {
        restart(rank, rank);
    }

    /**
     * Starts ranks {@code first..last} again in one JVM (they all exited or were killed, as when their
     * packed JVM was killed); does not wait for run.
     */
    public synchronized void restart(int first, int last) throws IOException {
        for (int r = first; r <= last; r++) {
            if (brokers[r] != null && brokers[r].isAlive() && (options.brokersPerProcess() == 1 || Files.exists(socket(r)))) {
                throw new IllegalStateException("rank " + r + " is still running");
            }
        }
        if (first != last && options.brokersPerProcess() == 1) {
            throw new IllegalArgumentException("a JVM per broker: restart ranks one at a time");
        }
        launch(first, last);
    }

    /** Waits until broker {@code rank} answers {@code broker.uptime} with state {@code run}. */
    public void awaitRun(int rank, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMs = 10;
        String last = "not started";
        while (System.nanoTime() < deadline) {
            Process p = process(rank);
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
            pause(pauseMs); // polling a child process; bounded by the deadline
            pauseMs = Math.min(pauseMs * 2, 200);
        }
        throw new IOException("broker rank " + rank + " did not reach run within " + timeout.toSeconds() + "s ("
                + last + "); its log ends:\n" + logTail(rank, 20));
    }

    private static void pause(long ms) throws IOException {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for a broker");
        }
    }

    /**
     * SIGTERM to every JVM (leaves first), wait for their orderly exits, remove a temporary rundir.
     * Safe to call twice and from a shutdown hook: the second call waits for the first.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (!closed) {
                closed = true;
                stopAll();
            }
        }
    }

    private void stopAll() {
        closing = true;
        List<Process> all;
        synchronized (this) {
            java.util.Set<Process> jvms = new java.util.LinkedHashSet<>();
            for (int r = brokers.length - 1; r >= 0; r--) {
                if (brokers[r] != null) {
                    jvms.add(brokers[r]);
                }
            }
            all = new ArrayList<>(jvms);
        }
        for (Process p : all) {
            p.destroy();
        }
        for (Process p : all) {
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

    /**
     * Starts ranks {@code first..last} in one JVM: with {@link Options#brokersPerProcess} 1 the
     * familiar {@code canopy broker --hostname testN}, its output the broker's log; else {@code canopy
     * broker --ranks=first-last}, each broker writing its own log, the JVM's output in {@code jvmFIRST.log}.
     */
    private synchronized void launch(int first, int last) throws IOException {
        for (int r = first; r <= last; r++) {
            Path dir = brokerDir(r);
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path bootId = dir.resolve("boot_id");
            if (!Files.exists(bootId)) { // one boot per broker: the fake reboot gives it a new one
                Files.writeString(bootId, java.util.UUID.randomUUID() + "\n");
            }
        }
        boolean packed = options.brokersPerProcess() > 1;
        String dir = packed ? rundir.resolve("r{rank}").toString() : brokerDir(first).toString();
        List<String> args = new ArrayList<>(List.of("broker", "--rundir", dir, "--statedir", dir + "/state",
                "--boot-id-file", dir + "/boot_id"));
        if (packed) {
            args.addAll(List.of("--ranks", first + "-" + last, "--log-file", dir + "/broker.log"));
        } else {
            args.addAll(List.of("--hostname", "test" + first));
        }
        if (options.size() > 1) {
            args.addAll(List.of("--config", config().toString()));
        }
        args.addAll(options.brokerArgs());
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.canopy(jvmOptions(options.size(), first, last), args))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        (packed ? rundir.resolve("jvm" + first + ".log") : brokerDir(first).resolve("broker.log")).toFile()))
                .redirectErrorStream(true);
        pb.environment().remove("CANOPY_URI");
        Process p = pb.start();
        for (int r = first; r <= last; r++) {
            brokers[r] = p;
        }
        if (!packed) {
            p.onExit().thenRun(() -> startAfterReboot(first, p));
        }
    }

    /**
     * The JVM options for {@code brokers} brokers of an instance of {@code size} in one JVM. Serial
     * GC and small stacks throughout. With more than 8 brokers in the instance (many JVMs on few
     * cores), C1 only and a bounded heap: 96 MiB for one broker; a packed JVM gets
     * {@value #HEAP_BASE_MB} MiB plus {@value #HEAP_PER_BROKER_MB} MiB a broker (a broker holds a few
     * MiB live; the rest is room for the serial collector), so that 16 JVMs of 64 brokers stay within
     * about 17 GiB of heap at most on a 24 GiB machine. The leader alone in its JVM gets
     * {@value #LEADER_HEAP_MB} MiB: it keeps every job, and a flat leader of 1,023 children queues
     * an event for each child that subscribes to it (512 MiB ran out in the scale benchmark when
     * every event went to every child; a production broker has the JVM's default heap, a quarter
     * of the node's memory). That leader, of an instance of more than {@value #LEADER_C2_SIZE}, also
     * keeps the optimizing compiler: it seals and opens every message with its children (CURVE in
     * Java, in JeroMQ's I/O threads), and C1-compiled code did that at a fraction of the speed.
     */
    static List<String> jvmOptions(int size, int first, int last) {
        List<String> jvm = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xss512k"));
        if (size > 8) {
            int brokers = last - first + 1;
            int heap = first == 0 && last == 0 ? LEADER_HEAP_MB
                    : brokers == 1 ? 96 : HEAP_BASE_MB + HEAP_PER_BROKER_MB * brokers;
            if (!(first == 0 && last == 0 && size > LEADER_C2_SIZE)) {
                jvm.add("-XX:TieredStopAtLevel=1");
            }
            jvm.add("-Xmx" + heap + "m");
        }
        return jvm;
    }

    static final int LEADER_HEAP_MB = 2048;
    static final int LEADER_C2_SIZE = 128;

    static final int HEAP_BASE_MB = 64;
    static final int HEAP_PER_BROKER_MB = 16;

    /**
     * What systemd does at boot, for the fake reboot: a broker that exited after the fake reboot
     * command left its marker ({@code rebooting}) is started again, unless the instance is closing.
     */
    private void startAfterReboot(int rank, Process exited) {
        Path marker = brokerDir(rank).resolve("rebooting");
        try {
            synchronized (this) {
                if (closing || brokers[rank] != exited || !Files.deleteIfExists(marker)) {
                    return;
                }
                launch(rank, rank);
            }
        } catch (IOException e) {
            System.err.println("canopy: cannot start broker rank " + rank + " again after its fake reboot: " + e.getMessage());
        }
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
                .append(withFakeReboot(options.extraToml())).append('\n');
        Files.writeString(config(), toml);
    }

    /** {@code extra} with the fake reboot command and health check in its {@code [resource]} table, when asked for. */
    private String withFakeReboot(String extra) throws IOException {
        if (!options.fakeReboot()) {
            return extra;
        }
        for (String name : List.of("fake-reboot", "fake-health-check")) {
            try (var in = TestInstance.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IOException("the build has no " + name);
                }
                Path p = rundir.resolve(name);
                Files.write(p, in.readAllBytes());
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        String keys = "reboot_command = \"" + fakeReboot() + "\"\nhealth_check = \"" + fakeHealthCheck() + "\"\n";
        int at = extra.indexOf("[resource]\n");
        return at < 0 ? extra + "\n[resource]\n" + keys
                : extra.substring(0, at + 11) + keys + extra.substring(at + 11);
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return s.getLocalPort();
        }
    }

    /** Removes {@code dir} and everything in it, as far as it can (a throw-away directory). */
    public static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
