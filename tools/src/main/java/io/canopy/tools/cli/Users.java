package io.canopy.tools.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Names for uids in what the CLI prints; a uid with no passwd entry prints as its number. */
final class Users {
    private Users() {}

    static String name(int uid) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[2].equals(Integer.toString(uid))) {
                    return f[0];
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall back to the number
        }
        return Integer.toString(uid);
    }
}
