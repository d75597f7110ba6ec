package io.canopy.tests.harness;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths in this checkout, found from the working directory (surefire runs in {@code tests/}, an IDE
 * may run anywhere inside the checkout) by walking up to the directory that holds {@code bin/canopy}.
 */
public final class Repo {
    private static final Path ROOT = find();

    private Repo() {}

    public static Path root() {
        return ROOT;
    }

    /** The real {@code bin/canopy} script, which runs {@code tools/target/canopy.jar}. */
    public static Path canopy() {
        return ROOT.resolve("bin/canopy");
    }

    /** The example module's jar, as the reactor builds it before these tests. */
    public static Path helloJar() {
        return ROOT.resolve("examples/hello-module/target/hello-module.jar");
    }

    private static Path find() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) { // bounded by the path's depth
            if (Files.isExecutable(dir.resolve("bin/canopy"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no bin/canopy in " + start + " or any directory above it");
    }
}
