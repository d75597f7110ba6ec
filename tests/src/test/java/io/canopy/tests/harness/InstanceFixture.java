package io.canopy.tests.harness;

import static org.awaitility.Awaitility.await;

import io.canopy.client.CanopyClient;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A multi-broker instance of real {@code canopy broker} processes for a test: each rank a host of
 * its own ({@code test<rank>}) on its own loopback address, in a k-ary tree, with heartbeats short
 * enough that a lost broker shows within seconds. Wraps {@link TestInstance} with what acceptance
 * tests do to brokers: talk to one through {@code bin/canopy}, kill, stop, terminate and restart
 * it, and start the whole instance again in the same rundir (the leader's {@code state.db} and the
 * certificate are kept there).
 */
public final class InstanceFixture implements AutoCloseable {
    /** How long a broker may take to reach run, or to exit, on a busy 2-core machine. */
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private final TestInstance instance;
    private final TestInstance.Options options;

    private InstanceFixture(TestInstance instance, TestInstance.Options options) {
        this.instance = instance;
        this.options = options;
    }

    /**
     * Starts {@code size} brokers in a tree of {@code fanout} under {@code rundir} (null: a
     * temporary directory removed at close) and waits until every one runs.
     */
    public static InstanceFixture start(int size, int fanout, Path rundir) throws IOException {
        return start(size, fanout, rundir, Duration.ofSeconds(3));
    }

    /**
     * As {@link #start(int, int, Path)}, with a broker that stops answering heartbeats taken for
     * lost after {@code lost} (torpid after 1 s); a long one makes a frozen broker hold up its parent.
     */
    public static InstanceFixture start(int size, int fanout, Path rundir, Duration lost) throws IOException {
        return start(size, fanout, rundir, lost, "");
    }

    /**
     * As {@link #start(int, int, Path, Duration)}, with {@code toml} (tables such as
     * {@code [job-exec]} or {@code [resource]}) added to the instance's system.toml.
     */
    public static InstanceFixture start(int size, int fanout, Path rundir, Duration lost, String toml) throws IOException {
        return start(size, fanout, rundir, Duration.ofSeconds(1), lost, toml, false);
    }

    /**
     * As {@link #start(int, int, Path, Duration, String)}, with a broker silent for {@code torpid}
     * taken for torpid (no new work goes there) instead of after 1 s.
     */
    public static InstanceFixture start(int size, int fanout, Path rundir, Duration torpid, Duration lost, String toml)
            throws IOException {
        return start(size, fanout, rundir, torpid, lost, toml, false);
    }

    /**
     * As {@link #start(int, int, Path, Duration, String)}; with {@code fakeReboot}, {@code [resource]
     * reboot_command} and {@code health_check} are the test instance's fakes: a broker that runs the
     * reboot command gets a new boot id and is started again ({@link TestInstance.Options#fakeReboot}),
     * unless files in its directory ({@link #brokerDir}) say otherwise ({@code reboot-fails},
     * {@code never-returns}, {@code same-boot}, {@code health-fails}).
     */
    public static InstanceFixture start(int size, int fanout, Path rundir, Duration lost, String toml, boolean fakeReboot)
            throws IOException {
        return start(size, fanout, rundir, Duration.ofSeconds(1), lost, toml, fakeReboot);
    }

    private static InstanceFixture start(int size, int fanout, Path rundir, Duration torpid, Duration lost, String toml,
            boolean fakeReboot) throws IOException {
        TestInstance.Options o = TestInstance.Options.of(size).fanout(fanout).rundir(rundir).timeout(PATIENCE)
                .heartbeats(Duration.ofMillis(200), torpid, lost).extraToml(toml).fakeReboot(fakeReboot);
        return new InstanceFixture(TestInstance.start(o), o);
    }

    /**
     * Starts the instance again in the same rundir, once every broker of this one has exited, and
     * waits until every broker runs. This fixture is closed.
     */
    public InstanceFixture startAgain() throws IOException {
        if (options.rundir() == null) {
            throw new IllegalStateException("only an instance in a rundir of the test's own can start again");
        }
        for (int r = 0; r < size(); r++) {
            awaitExit(r);
        }
        close();
        return new InstanceFixture(TestInstance.start(options), options);
    }

    /** As {@link #startAgain()}, for a start expected to fail: the failure, with the brokers' logs. */
    public IOException startAgainFailing() {
        try {
            startAgain().close();
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("the instance started again, though it was expected not to");
    }

    public int size() {
        return options.size();
    }

    public Path rundir() {
        return instance.rundir();
    }

    /** The instance's system.toml (every broker reads this one file). */
    public Path configFile() {
        return instance.config();
    }

    /** {@code bin/canopy} talking to the leader. */
    public Cli cli() {
        return cli(0);
    }

    /** {@code bin/canopy} talking to broker {@code rank} through its own local socket. */
    public Cli cli(int rank) {
        return Cli.forUri(instance.uri(rank));
    }

    /** An in-process client of broker {@code rank}, for set-up and clean-up the test is not about. */
    public CanopyClient connect(int rank) throws IOException {
        return CanopyClient.connect(instance.socket(rank));
    }

    /** Broker {@code rank}'s local socket, for in-process clients ({@link Rpc}, {@link EventRecorder}). */
    public Path socket(int rank) {
        return instance.socket(rank);
    }

    public Process process(int rank) {
        return instance.process(rank);
    }

    /** Broker {@code rank}'s own directory: its socket, log, and the fake reboot's boot_id and marker files. */
    public Path brokerDir(int rank) {
        return instance.brokerDirectory(rank);
    }

    /** The boot id broker {@code rank} reads (its fake reboot writes a new one). */
    public String bootId(int rank) {
        try {
            return java.nio.file.Files.readString(brokerDir(rank).resolve("boot_id")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The broker's statedir ({@code state.db} lives there on the leader). */
    public Path statedir(int rank) {
        return rundir().resolve("r" + rank).resolve("state");
    }

    /** The last lines broker {@code rank} logged, for assertion messages. */
    public String log(int rank) {
        return "rank " + rank + " log:\n" + instance.logTail(rank, 40);
    }

    /** The last lines every broker logged. */
    public String logs() {
        StringBuilder all = new StringBuilder();
        for (int r = 0; r < size(); r++) {
            all.append(log(r)).append('\n');
        }
        return all.toString();
    }

    /** Starts broker {@code rank} again after it exited, and waits until it runs. */
    public void restart(int rank) throws IOException {
        awaitExit(rank);
        instance.restart(rank);
        instance.awaitRun(rank, PATIENCE);
    }

    /** Starts broker {@code rank} again after it exited; does not wait for it. */
    public void relaunch(int rank) throws IOException {
        awaitExit(rank);
        instance.restart(rank);
    }

    public void awaitRun(int rank) throws IOException {
        instance.awaitRun(rank, PATIENCE);
    }

    /** SIGTERM: the broker says goodbye and exits in order. Waits for the exit. */
    public void terminate(int rank) {
        process(rank).destroy();
        awaitExit(rank);
    }

    /** SIGKILL: the broker dies at once, without a word to anyone. Waits for the exit. */
    public void kill(int rank) {
        process(rank).destroyForcibly();
        awaitExit(rank);
    }

    /**
     * SIGKILL to the broker and, first, to every canopy-launch it started: the node's whole Canopy
     * side dies at once (the OOM killer, a kernel panic seen from the jobs' side), leaving the jobs'
     * tasks behind in their cgroups. Waits for the broker's exit.
     */
    public void killWithLaunchers(int rank) {
        Process p = process(rank);
        List<ProcessHandle> launchers = p.descendants()
                .filter(d -> d.info().command().orElse("").endsWith("/canopy-launch")).toList();
        launchers.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        awaitExit(rank);
    }

    /** SIGSTOP: the broker hangs, its connections open but silent. */
    public void freeze(int rank) {
        signal("-STOP", rank);
    }

    /** SIGCONT after {@link #freeze}. */
    public void thaw(int rank) {
        signal("-CONT", rank);
    }

    public void awaitExit(int rank) {
        Process p = process(rank);
        await("rank " + rank + " exits").atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> p == null || !p.isAlive());
    }

    /** SIGTERM to every broker still running (a frozen one is thawed first), then waits for each. */
    @Override
    public void close() {
        for (int r = 0; r < size(); r++) {
            Process p = process(r);
            if (p != null && p.isAlive()) {
                thaw(r);
            }
        }
        instance.close();
    }

    private void signal(String sig, int rank) {
        Cli.Result r = Cli.plain().exec(List.of("kill", sig, Long.toString(process(rank).pid())));
        if (r.exitCode() != 0) {
            throw new AssertionError("kill " + sig + " rank " + rank + ": " + r);
        }
    }
}
