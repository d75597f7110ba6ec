package io.canopy.module;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A uid's name on this host, for records and output a person reads (who drained a node, who owns
 * a job); the number itself when the uid has no passwd entry. Names come from NSS (getpwuid, so
 * LDAP and SSSD users have theirs) through the JDK's own lookup, which the broker and the CLI open
 * to themselves ({@code --add-opens java.base/sun.nio.fs}); without it, from /etc/passwd. A name
 * is kept for ten minutes, so a busy job list does not ask NSS once per row.
 */
public final class UserNames {
    private static final long KEEP_NANOS = 600_000_000_000L;
    private static final Map<Integer, Known> CACHE = new ConcurrentHashMap<>();
    private static final Method FROM_UID = fromUid();

    private record Known(String name, long at) {}

    private UserNames() {}

    public static String of(int uid) {
        Known k = CACHE.get(uid);
        long now = System.nanoTime();
        if (k != null && now - k.at() < KEEP_NANOS) {
            return k.name();
        }
        String name = lookUp(uid);
        if (CACHE.size() > 100_000) {
            CACHE.clear();
        }
        CACHE.put(uid, new Known(name, now));
        return name;
    }

    private static String lookUp(int uid) {
        if (FROM_UID != null) {
            try {
                return ((Principal) FROM_UID.invoke(null, uid)).getName();
            } catch (ReflectiveOperationException | RuntimeException e) {
                // fall back to the file
            }
        }
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

    /** {@code sun.nio.fs.UnixUserPrincipals.fromUid}: getpwuid, the number when there is no entry. */
    private static Method fromUid() {
        try {
            Method m = Class.forName("sun.nio.fs.UnixUserPrincipals").getDeclaredMethod("fromUid", int.class);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
