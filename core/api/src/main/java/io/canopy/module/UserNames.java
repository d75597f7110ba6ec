package io.canopy.module;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A uid's name on this host, for records and output a person reads (who drained a node, who owns
 * the instance); the number itself when the uid has no passwd entry.
 */
public final class UserNames {
    private UserNames() {}

    public static String of(int uid) {
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
