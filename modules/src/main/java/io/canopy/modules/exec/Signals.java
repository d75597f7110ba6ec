package io.canopy.modules.exec;

import java.io.IOException;
import java.util.List;

/**
 * Signals a whole process group (an epilog runs in a session of its own, started through
 * {@code setsid}, so its pid is its group's id and every process it forks gets the signal too),
 * and finds the system tools job-exec runs by absolute path, never through a PATH.
 */
final class Signals {
    private Signals() {}

    /** The absolute path of a util-linux/procps tool: /usr/bin first, then /bin. */
    static String tool(String name) {
        for (String dir : List.of("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir + name))) {
                return dir + name;
            }
        }
        return "/usr/bin/" + name;
    }

    /** Sends {@code signal} (a number) to process group {@code pgid}; false when nothing was signalled. */
    static boolean group(long pgid, int signal) {
        try {
            Process kill = new ProcessBuilder(List.of(tool("kill"), "-s", Integer.toString(signal), "--", "-" + pgid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor() == 0;
        } catch (IOException e) {
            // no kill(1): signal what Java can reach
            ProcessHandle.of(pgid).ifPresent(p -> {
                p.descendants().forEach(d -> destroy(d, signal));
                destroy(p, signal);
            });
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void destroy(ProcessHandle p, int signal) {
        if (signal == 9) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
    }
}
