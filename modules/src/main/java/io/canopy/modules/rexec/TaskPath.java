package io.canopy.modules.rexec;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the executable a command names, as a shell would: a path, or the first match on PATH. */
final class TaskPath {
    private TaskPath() {}

    static Path resolve(String cmd, String path) {
        if (cmd.contains("/")) {
            Path p = Path.of(cmd);
            return Files.isExecutable(p) && !Files.isDirectory(p) ? p : null;
        }
        String dirs = path == null || path.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : path;
        for (String d : dirs.split(":")) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, cmd);
                if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
