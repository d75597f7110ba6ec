package io.canopy.modules.exec;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds canopy-launch and makes sure it is safe to run as root: the configured path
 * ({@code [job-exec] launcher}), else the JVM's {@code canopy.launcher} property (which
 * {@code bin/canopy} and the test harness set for a build tree), else the one installed beside the
 * code ({@code /usr/libexec/canopy/canopy-launch} next to {@code /usr/share/canopy/canopy.jar}),
 * else a build tree's {@code launcher/target}. A root broker
 * runs it, so it and its directory must belong to root (or the broker's user) and be writable by no
 * one else.
 */
final class LauncherLocation {
    static final String NAME = "canopy-launch";
    /** Names the launcher of a build tree (the brokers' command line sets it). */
    static final String PROPERTY = "canopy.launcher";

    private LauncherLocation() {}

    /** The launcher to run, or empty when none is installed where it is looked for. */
    static Optional<Path> find(Optional<String> configured) {
        if (configured.isPresent()) {
            return Optional.of(Path.of(configured.get()));
        }
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return Optional.of(Path.of(property).toAbsolutePath().normalize());
        }
        return candidates(codeLocation()).stream().filter(Files::isExecutable).findFirst();
    }

    /** Where a launcher is looked for when none is configured. */
    static List<Path> searched() {
        return candidates(codeLocation());
    }


    /** Where a launcher is looked for, given the jar (or classes directory) job-exec was loaded from. */
    static List<Path> candidates(Path code) {
        Path top = code.toAbsolutePath().getParent();
        top = top == null ? null : top.getParent();
        top = top == null ? null : top.getParent();
        if (top == null) {
            return List.of();
        }
        return List.of(top.resolve("libexec/canopy").resolve(NAME), top.resolve("launcher/target").resolve(NAME));
    }

    private static Path codeLocation() {
        try {
            return Path.of(LauncherLocation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".");
        }
    }

    /**
     * Why {@code program} must not be run by a broker of uid {@code brokerUid}, or empty when it may:
     * a relative path, a missing or non-executable file, or (for a root broker) a file or directory
     * that another user could replace.
     */
    static Optional<String> unsafe(Path program, int brokerUid) {
        if (!program.isAbsolute()) {
            return Optional.of(program + " is not an absolute path");
        }
        if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
            return Optional.of(program + " is not an executable file");
        }
        if (brokerUid != 0) {
            return Optional.empty(); // it runs with the broker's own rights
        }
        for (Path p : List.of(program, program.getParent())) {
            try {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                Set<PosixFilePermission> perms = a.permissions();
                if (owner != 0) {
                    return Optional.of(p + " belongs to uid " + owner + ", not root: a root broker will not run it");
                }
                if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                    return Optional.of(p + " is writable by its group or by everyone: a root broker will not run it");
                }
                if (Files.isSymbolicLink(program) && p == program) {
                    return Optional.of(p + " is a symbolic link: configure the file itself");
                }
                if ((Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer mode)
                        && (mode & 06000) != 0 && p == program) {
                    return Optional.of(p + " is set-user-ID or set-group-ID: install it mode 0755");
                }
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of("cannot check " + p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }
}
