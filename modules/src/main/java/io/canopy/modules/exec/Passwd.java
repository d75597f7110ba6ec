package io.canopy.modules.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The primary group of a uid, from /etc/passwd (what {@code setpriv --regid} needs). */
final class Passwd {
    private Passwd() {}

    /** The uid's primary gid, or -1 when /etc/passwd does not list it. */
    static int gid(int uid) {
        try (var lines = Files.lines(Path.of("/etc/passwd"))) {
            return lines.map(l -> l.split(":"))
                    .filter(f -> f.length > 3 && f[2].equals(Integer.toString(uid)))
                    .mapToInt(f -> Integer.parseInt(f[3])).findFirst().orElse(-1);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
