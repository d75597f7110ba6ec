package io.canopy.modules.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Tasks an earlier run of this broker left behind: a broker killed with SIGKILL (or crashed)
 * cannot end its tasks, and the broker started after it does not know them, though they hold
 * cores the scheduler will hand out again. They are the processes whose environment has a
 * {@code CANOPY_JOB_ID} and this broker's own {@code CANOPY_URI}, found in /proc.
 */
final class Leftovers {
    private Leftovers() {}

    /** The pids of processes started as tasks by a broker with this local URI. */
    static List<Long> find(String localUri) {
        byte[] uri = ("CANOPY_URI=" + localUri).getBytes(StandardCharsets.UTF_8);
        byte[] job = "CANOPY_JOB_ID=".getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                try {
                    byte[] env = Files.readAllBytes(p.resolve("environ"));
                    if (hasEntry(env, uri, true) && hasEntry(env, job, false)) {
                        found.add(pid);
                    }
                } catch (IOException | SecurityException gone) {
                    // exited meanwhile, or another user's: not ours
                }
            }
        } catch (IOException e) {
            return List.of(); // no /proc: nothing to find
        }
        return found;
    }

    /** True when the NUL-separated environment has an entry equal to (or starting with) {@code entry}. */
    static boolean hasEntry(byte[] env, byte[] entry, boolean whole) {
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                int len = i - start;
                if (whole ? len == entry.length && regionEquals(env, start, entry)
                        : len >= entry.length && regionEquals(env, start, entry)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    private static boolean regionEquals(byte[] a, int from, byte[] b) {
        for (int k = 0; k < b.length; k++) {
            if (a[from + k] != b[k]) {
                return false;
            }
        }
        return true;
    }
}
