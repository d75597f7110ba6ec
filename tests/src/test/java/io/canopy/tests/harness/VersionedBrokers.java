package io.canopy.tests.harness;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One instance whose brokers run either release, each host in a directory of its own that it
 * keeps across restarts ({@code DIR/<host>}: socket, {@code broker.log}, and {@code state/}, so the
 * leader updated in place finds its state.db), started as {@code canopy broker --config FILE
 * --hostname HOST --rundir DIR --statedir DIR/state}: this build through {@code bin/canopy}, the
 * previous one through {@link PreviousRelease}. Updating a node is {@link #stop} and
 * {@link #start} with the other release, as a package update and a restart of the unit would be.
 */
public final class VersionedBrokers implements AutoCloseable {
    /** Which build a broker runs. */
    public enum Release { PREVIOUS, CURRENT }

    private final Path dir;
    private final Path config;
    private final InstanceToml toml;
    private final Process[] processes;
    private final Release[] releases;

    public VersionedBrokers(Path dir, InstanceToml toml, String extraToml) {
        this.dir = dir;
        this.toml = toml;
        this.processes = new Process[toml.size()];
        this.releases = new Release[toml.size()];
        try {
            this.config = Files.writeString(dir.resolve("system.toml"), toml.render() + "\n" + extraToml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int size() {
        return toml.size();
    }

    public Release release(int rank) {
        return releases[rank];
    }

    public Path rundir(int rank) {
        return dir.resolve(toml.host(rank));
    }

    /** Starts {@code rank} with {@code release}; does not wait for it. */
    public void start(int rank, Release release) throws IOException {
        if (processes[rank] != null && processes[rank].isAlive()) {
            throw new IllegalStateException(toml.host(rank) + " still runs");
        }
        Path run = rundir(rank);
        Files.createDirectories(run.resolve("state"));
        List<String> cmd = new ArrayList<>(release == Release.CURRENT ? List.of(Repo.canopy().toString())
                : PreviousRelease.command());
        cmd.addAll(List.of("broker", "--config", config.toString(), "--hostname", toml.host(rank), "--rundir",
                run.toString(), "--statedir", run.resolve("state").toString()));
        Files.writeString(run.resolve("broker.log"), "==== " + release + ": " + String.join(" ", cmd) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Repo.root().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(run.resolve("broker.log").toFile()));
        pb.environment().remove("CANOPY_URI");
        pb.environment().put("CANOPY_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xss512k -Xmx256m");
        processes[rank] = pb.start();
        releases[rank] = release;
    }

    /** SIGTERM (an orderly stop, as systemctl stop), and waits for the exit. */
    public void stop(int rank) {
        Process p = processes[rank];
        p.destroy();
        await(toml.host(rank) + " stops").atMost(InstanceFixture.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> !p.isAlive());
    }

    /** Waits until broker {@code rank} answers in state run. */
    public void awaitRun(int rank) {
        await(toml.host(rank) + " runs").atMost(InstanceFixture.PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!processes[rank].isAlive()) {
                        throw new AssertionError(toml.host(rank) + " exited:\n" + log(rank));
                    }
                    return cli(rank).run("uptime").stdout().contains(" run ");
                });
    }

    /** This build's {@code bin/canopy} talking to broker {@code rank}. */
    public Cli cli(int rank) {
        return Cli.forUri("local://" + rundir(rank).resolve("local"));
    }

    /** The previous release's {@code canopy} talking to broker {@code rank}, with {@code args}. */
    public Cli.Result previousCli(int rank, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(PreviousRelease.command());
        cmd.addAll(List.of(args));
        return cli(rank).exec(cmd);
    }

    /** The end of broker {@code rank}'s log, for assertion messages. */
    public String log(int rank) {
        try {
            List<String> lines = Files.readAllLines(rundir(rank).resolve("broker.log"));
            return toml.host(rank) + " log ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
                    lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public String logs() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < size(); r++) {
            b.append(log(r)).append('\n');
        }
        return b.toString();
    }

    /** SIGTERM to every broker still running, leaves first, then waits for each. */
    @Override
    public void close() {
        for (int r = processes.length - 1; r >= 0; r--) {
            if (processes[r] != null && processes[r].isAlive()) {
                processes[r].destroy();
            }
        }
        for (Process p : processes) {
            try {
                if (p != null && !p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
