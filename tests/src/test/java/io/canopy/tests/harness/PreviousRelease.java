package io.canopy.tests.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The previous release of Canopy, for tests of brokers of two releases in one instance: there are
 * no release tags yet, so it is the commit sites ran before this work ({@link #COMMIT}), built from
 * this clone's history ({@code git archive}, then Maven, as {@code scripts/setup} builds: about a
 * minute) into {@code tests/target/previous-release/COMMIT/} and kept there, so a test class (and
 * the next run) builds it once. The local Maven repository is the one this build uses
 * ({@code canopy.maven.repo}, set by tests/pom.xml), tried offline first. A clone without the commit
 * (a shallow one) is an error saying so, never a silently skipped test.
 */
public final class PreviousRelease {
    /** main when this release's work began: what sites run now. */
    public static final String COMMIT = "416a8db";

    private PreviousRelease() {}

    /** The previous release's {@code canopy.jar}, built if need be. */
    public static synchronized Path jar() throws IOException {
        Path dir = Repo.root().resolve("tests/target/previous-release").resolve(COMMIT);
        Path jar = dir.resolve("src/tools/target/canopy.jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Path src = dir.resolve("src");
        Path log = dir.resolve("build.log");
        Files.createDirectories(dir);
        run(List.of("rm", "-rf", src.toString()), dir, log, 1);
        Files.createDirectories(src);
        if (run(List.of("git", "-C", Repo.root().toString(), "cat-file", "-e", COMMIT + "^{commit}"), dir, log, 1) != 0) {
            throw new IOException("commit " + COMMIT + " (the previous release) is not in this clone's history: fetch the "
                    + "full history (git fetch --unshallow) to run the mixed-version tests");
        }
        if (run(List.of("sh", "-c", "git -C \"$0\" archive --format=tar " + COMMIT + " | tar -x -C \"$1\"",
                Repo.root().toString(), src.toString()), dir, log, 5) != 0) {
            throw new IOException("cannot extract " + COMMIT + " into " + src + "; see " + log);
        }
        List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "-Dstyle.color=never", "-Dmaven.test.skip=true",
                "-DskipTests", "package", "-pl", "tools", "-am"));
        String repo = System.getProperty("canopy.maven.repo");
        if (repo != null && !repo.isBlank() && !repo.startsWith("${")) {
            mvn.add("-Dmaven.repo.local=" + repo);
        }
        List<String> offline = new ArrayList<>(mvn);
        offline.add(1, "-o");
        if (run(offline, src, log, 15) != 0 && run(mvn, src, log, 15) != 0) {
            throw new IOException("cannot build the previous release (" + COMMIT + ") in " + src + ":\n" + tail(log));
        }
        if (!Files.isRegularFile(jar)) {
            throw new IOException("the previous release's build made no " + jar + ":\n" + tail(log));
        }
        return jar;
    }

    /** The command that runs the previous release's {@code canopy} (for {@code broker}, or a client command). */
    public static List<String> command() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m", "-jar", jar().toString());
    }

    private static int run(List<String> cmd, Path dir, Path log, int minutes) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " took longer than " + minutes + " minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted building the previous release", e);
        }
        return p.exitValue();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
