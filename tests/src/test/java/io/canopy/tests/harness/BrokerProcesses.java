package io.canopy.tests.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Brokers a test starts one at a time, in the order it chooses, each as {@code bin/canopy broker
 * --config FILE --hostname HOST --rundir DIR} with its own rundir ({@code DIR/<host>[-n]}) and log
 * ({@code broker.log} there), optionally behind a command prefix such as {@code ip netns exec NS}.
 * {@link #close()} wakes any stopped broker, sends SIGTERM to all, and waits for them.
 */
public final class BrokerProcesses implements AutoCloseable {
    /** JVM options for brokers that share two cores with many others: no optimising compiler. */
    private static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -Xss512k -Xmx256m";

    private final Path dir;
    private final List<BrokerProcess> started = new ArrayList<>();

    public BrokerProcesses(Path dir) {
        this.dir = dir;
    }

    /** Writes {@code toml} to {@code DIR/name} and returns its path. */
    public Path writeConfig(String name, String toml) {
        try {
            return Files.writeString(dir.resolve(name), toml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code host} of the instance {@code config} describes; does not wait for anything. */
    public BrokerProcess start(String host, Path config) {
        return start(host, config, List.of());
    }

    /** Like {@link #start(String, Path)}, running the broker under {@code prefix} (e.g. ip netns exec NS). */
    public BrokerProcess start(String host, Path config, List<String> prefix) {
        return start(host, config, prefix, java.util.Map.of(), null);
    }

    /** Like {@link #start(String, Path, List)}, with {@code env} added to the broker's environment. */
    public BrokerProcess start(String host, Path config, List<String> prefix, java.util.Map<String, String> env) {
        return start(host, config, prefix, env, null);
    }

    /** Like {@link #start(String, Path)}, the broker running as {@code user} (and its group), not root. */
    public BrokerProcess startAs(String user, String host, Path config) {
        return start(host, config, List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups"),
                java.util.Map.of(), user);
    }

    private BrokerProcess start(String host, Path config, List<String> prefix, java.util.Map<String, String> env,
            String owner) {
        try {
            Path rundir = dir.resolve(host);
            for (int n = 2; Files.exists(rundir) && n < 100; n++) { // a host started again gets a fresh rundir
                rundir = dir.resolve(host + "-" + n);
            }
            Files.createDirectories(rundir);
            if (owner != null) {
                var users = rundir.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(rundir, users.lookupPrincipalByName(owner));
            }
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(List.of(Repo.canopy().toString(), "broker", "--config", config.toString(),
                    "--hostname", host, "--rundir", rundir.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(Repo.root().toFile())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(rundir.resolve("broker.log").toFile()))
                    .redirectErrorStream(true);
            pb.environment().remove("CANOPY_URI");
            pb.environment().put("CANOPY_JAVA_OPTS", JAVA_OPTS);
            pb.environment().putAll(env);
            BrokerProcess b = new BrokerProcess(host, rundir, pb.start());
            started.add(b);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + host, e);
        }
    }

    /** Every broker started so far, in start order. */
    public List<BrokerProcess> started() {
        return List.copyOf(started);
    }

    @Override
    public void close() {
        for (BrokerProcess b : started) {
            if (b.process().isAlive()) {
                b.process().destroy();
                Signals.sendQuietly(b.process(), "CONT");
            }
        }
        for (BrokerProcess b : started) {
            try {
                if (!b.process().waitFor(30, TimeUnit.SECONDS)) {
                    b.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                b.process().destroyForcibly();
            }
        }
    }
}
