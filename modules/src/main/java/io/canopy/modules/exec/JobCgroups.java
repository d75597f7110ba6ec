package io.canopy.modules.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where canopy-launch keeps this broker's job cgroups, found as the launcher finds them: its own
 * cgroup in each hierarchy it uses (cgroup v2, and v1's freezer, memory, cpuacct and pids), from
 * /proc/self/mountinfo and /proc/self/cgroup. A launcher that job-exec runs directly is a child of
 * the broker and shares its cgroups, so the broker can see without it whether an earlier run left
 * a job's cgroup ({@code canopy-SCOPE/job-N}) behind. It starts the launcher's cleanup only then: a
 * process started from a JVM of 128 packed brokers costs ~20 ms of CPU (the child closes the JVM's
 * 5,000 descriptors one by one), a fifth of the CPU of a 1,024-broker start when every broker did it.
 */
final class JobCgroups {
    private static final List<String> V1 = List.of("freezer", "memory", "cpuacct", "pids");

    private JobCgroups() {}

    /**
     * Each hierarchy the launcher uses ({@code v2} or a v1 controller's name) and this process's
     * cgroup in it as a directory, from the lines of /proc/self/mountinfo and /proc/self/cgroup.
     * A hierarchy mounted only in part (a container's view) counts when this process is inside
     * the part; the first mount of a hierarchy wins, as in the launcher.
     */
    static Map<String, Path> own(List<String> mountinfo, List<String> cgroup) {
        Map<String, String[]> mounts = new LinkedHashMap<>(); // hierarchy -> {root, mount point}
        for (String line : mountinfo) {
            int sep = line.indexOf(" - ");
            String[] f = line.split(" ");
            String[] after = sep < 0 ? new String[0] : line.substring(sep + 3).split(" ");
            if (f.length < 5 || after.length < 3) {
                continue;
            }
            String h = after[0].equals("cgroup2") ? "v2" : after[0].equals("cgroup") ? v1Of(after[2]) : null;
            if (h != null) {
                mounts.putIfAbsent(h, new String[] {f[3], f[4]});
            }
        }
        Map<String, Path> own = new LinkedHashMap<>();
        for (String line : cgroup) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            String h = f[0].equals("0") && f[1].isEmpty() ? "v2" : v1Of(f[1]);
            String[] m = h == null ? null : mounts.get(h);
            if (m == null) {
                continue;
            }
            String root = m[0].equals("/") ? "" : m[0];
            String path = f[2];
            if (!path.startsWith(root) || (path.length() > root.length() && path.charAt(root.length()) != '/')) {
                continue; // outside the part of the hierarchy mounted here
            }
            String rest = path.substring(root.length());
            own.putIfAbsent(h, Path.of(m[1] + (rest.equals("/") ? "" : rest)));
        }
        return own;
    }

    /** The first of the launcher's v1 controllers in a comma-separated list, or null. */
    private static String v1Of(String controllers) {
        for (String c : controllers.split(",")) {
            if (V1.contains(c)) {
                return c;
            }
        }
        return null;
    }

    /** This process's cgroup in each hierarchy the launcher uses; empty without cgroups (or /proc). */
    static Map<String, Path> own() {
        try {
            return own(Files.readAllLines(Path.of("/proc/self/mountinfo")), Files.readAllLines(Path.of("/proc/self/cgroup")));
        } catch (IOException e) {
            return Map.of();
        }
    }

    /**
     * True when a job's cgroup of {@code scope} is left in one of {@code own}'s cgroups, or when a
     * scope directory is there but cannot be read (the launcher, which can, should look).
     */
    static boolean anyLeft(Map<String, Path> own, String scope) {
        for (Path dir : own.values()) {
            try (DirectoryStream<Path> jobs = Files.newDirectoryStream(dir.resolve("canopy-" + scope), "job-*")) {
                if (jobs.iterator().hasNext()) {
                    return true;
                }
            } catch (NoSuchFileException none) {
                // no job of this broker ever had a cgroup in this hierarchy
            } catch (IOException | SecurityException unreadable) {
                return true;
            }
        }
        return false;
    }

    /** How the broker's log says where job cgroups go: {@code v2=/sys/fs/cgroup/... memory=...}, or none. */
    static String describe(Map<String, Path> own) {
        StringBuilder s = new StringBuilder();
        own.forEach((h, dir) -> s.append(s.length() == 0 ? "" : " ").append(h).append('=').append(dir));
        return s.length() == 0 ? "none" : s.toString();
    }
}
