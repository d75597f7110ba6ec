package io.canopy.tests.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Runs the real {@code bin/canopy} as a child process, the way an operator would: from the
 * repository root, with {@code CANOPY_URI} set or not, optionally as {@code nobody} (through
 * {@code setpriv}), and killed with its output shown when it outlives its timeout. Instances are
 * immutable; {@code with...} methods return changed copies.
 */
public final class Cli {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> AS_NOBODY =
            List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");

    /** What a finished command left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Stdout parsed as one JSON document. */
        public JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + this, e);
            }
        }

        public List<String> lines() {
            return stdout.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    private final Map<String, String> env;
    /** What runs each command as another user ({@code setpriv ...}), or nothing. */
    private final List<String> as;
    private final Duration timeout;

    private Cli(Map<String, String> env, List<String> as, Duration timeout) {
        this.env = Map.copyOf(env);
        this.as = List.copyOf(as);
        this.timeout = timeout;
    }

    /** Commands with no {@code CANOPY_URI}, run as the caller, each allowed 60 s. */
    public static Cli plain() {
        return new Cli(Map.of(), List.of(), Duration.ofSeconds(60));
    }

    /** Commands talking to the broker at {@code uri} through {@code CANOPY_URI}. */
    public static Cli forUri(String uri) {
        return plain().withEnv("CANOPY_URI", uri);
    }

    public Cli withEnv(String name, String value) {
        Map<String, String> copy = new HashMap<>(env);
        copy.put(name, value);
        return new Cli(copy, as, timeout);
    }

    /**
     * The same commands run as user nobody, group nogroup, no supplementary groups; the environment
     * is applied after the switch (by {@code env}), so that it reaches only the user's command.
     */
    public Cli asNobody() {
        return new Cli(env, AS_NOBODY, timeout);
    }

    /** The same commands run as {@code user}, with its primary group and the groups NSS gives it. */
    public Cli asUser(String user, int gid) {
        return new Cli(env, List.of("setpriv", "--reuid=" + user, "--regid=" + gid, "--init-groups"), timeout);
    }

    public Cli withTimeout(Duration limit) {
        return new Cli(env, as, limit);
    }

    /** {@code bin/canopy ARGS...}. */
    public Result run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Repo.canopy().toString()));
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    /**
     * Starts {@code bin/canopy ARGS...} without waiting for it, for a command that is meant to
     * block for a while (a request waiting for a broker that is away).
     */
    public Running start(String... args) {
        List<String> cmd = prefix();
        cmd.add(Repo.canopy().toString());
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("canopy-cli-", ".out");
            Path err = Files.createTempFile("canopy-cli-", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(Repo.root().toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("CANOPY_URI");
            if (as.isEmpty()) {
                pb.environment().putAll(env);
            }
            return new Running(cmd, pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        }
    }

    /** A command started by {@link #start}: still running, or finished and waiting to be collected. */
    public final class Running {
        private final List<String> cmd;
        private final Process process;
        private final Path out;
        private final Path err;

        private Running(List<String> cmd, Process process, Path out, Path err) {
            this.cmd = cmd;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** The command's process id ({@code bin/canopy} execs the JVM, so this is the JVM). */
        public long pid() {
            return process.pid();
        }

        /** Waits (up to this Cli's timeout) for the command to exit and returns what it left. */
        public Result finish() {
            try {
                try {
                    awaitExit(process, cmd, out, err);
                    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Kills a command the test no longer waits for. */
        public void kill() {
            process.destroyForcibly();
        }
    }

    /** Why {@code bin/canopy} cannot run as nobody here, or null when it can (root, setpriv, a readable checkout). */
    public static String whyNotAsNobody() {
        if (io.canopy.local.PeerCredentials.currentUid() != 0) {
            return "running as nobody needs root (setpriv); this runs as uid " + io.canopy.local.PeerCredentials.currentUid();
        }
        if (plain().exec(List.of("sh", "-c", "command -v setpriv")).exitCode() != 0) {
            return "running as nobody needs setpriv on the PATH (Debian package util-linux)";
        }
        Cli plainNobody = plain().asNobody();
        for (Path p : List.of(Repo.canopy(), Repo.root().resolve("tools/target/canopy.jar"))) {
            if (plainNobody.exec(List.of("test", "-r", p.toString())).exitCode() != 0) {
                return "nobody cannot read " + p + "; use a checkout outside private directories";
            }
        }
        return null;
    }

    /** Any command, with this instance's environment, user and timeout (e.g. {@code sh -c ...}). */
    public Result exec(List<String> command) {
        List<String> cmd = prefix();
        cmd.addAll(command);
        try {
            Path out = Files.createTempFile("canopy-cli-", ".out");
            Path err = Files.createTempFile("canopy-cli-", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(Repo.root().toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().remove("CANOPY_URI");
                if (as.isEmpty()) {
                    pb.environment().putAll(env);
                }
                Process p = pb.start();
                awaitExit(p, cmd, out, err);
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        }
    }

    /** setpriv and then env with this Cli's variables, when commands run as another user. */
    private List<String> prefix() {
        List<String> cmd = new ArrayList<>(as);
        if (!as.isEmpty()) {
            cmd.add("/usr/bin/env");
            env.forEach((k, v) -> cmd.add(k + "=" + v));
        }
        return cmd;
    }

    private void awaitExit(Process p, List<String> cmd, Path out, Path err) throws IOException {
        try {
            // Each poll blocks in waitFor, so the exit is seen at once; Awaitility bounds the total.
            Awaitility.await(String.join(" ", cmd)).atMost(timeout).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1)).until(() -> p.waitFor(100, TimeUnit.MILLISECONDS));
        } catch (ConditionTimeoutException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within " + timeout.toSeconds() + " s\n--- stdout:\n"
                    + Files.readString(out) + "--- stderr:\n" + Files.readString(err), e);
        }
    }
}
