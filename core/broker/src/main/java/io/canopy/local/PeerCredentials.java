package io.canopy.local;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The uid of the process at the other end of a Unix socket, from the kernel (SO_PEERCRED), never
 * from anything the peer says. Java exposes the peer as a user principal; its numeric uid is read
 * from the principal when the JVM allows it ({@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED},
 * which {@code bin/canopy} passes), and otherwise resolved from the principal's name.
 */
public final class PeerCredentials {
    private static final Logger LOG = LogManager.getLogger(PeerCredentials.class);
    private static final Field UID_FIELD = uidField();
    private static final Map<String, Integer> BY_NAME = new ConcurrentHashMap<>();

    private PeerCredentials() {}

    /**
     * The peer's uid.
     *
     * @throws IOException when the kernel gives no credentials or the uid cannot be resolved
     */
    public static int uidOf(SocketChannel channel) throws IOException {
        UnixDomainPrincipal p = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        return uidOf(p.user());
    }

    /** The uid of the current process. */
    public static int currentUid() {
        return (int) new com.sun.security.auth.module.UnixSystem().getUid();
    }

    static int uidOf(UserPrincipal user) throws IOException {
        if (UID_FIELD != null) {
            try {
                return UID_FIELD.getInt(user);
            } catch (IllegalAccessException | IllegalArgumentException e) {
                // fall through to the name
            }
        }
        String name = user.getName();
        Integer cached = BY_NAME.get(name);
        if (cached != null) {
            return cached;
        }
        int uid = resolve(name);
        BY_NAME.put(name, uid);
        return uid;
    }

    private static int resolve(String name) throws IOException {
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            return Integer.parseInt(name); // the JDK names a uid with no passwd entry by its number
        }
        List<String> lines = Files.readAllLines(Path.of("/etc/passwd"));
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length > 2 && f[0].equals(name)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new IOException("peer user '" + name + "' has no uid in /etc/passwd");
    }

    private static Field uidField() {
        try {
            Class<?> c = Class.forName("sun.nio.fs.UnixUserPrincipals$User");
            Field f = c.getDeclaredField("id");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("peer uid comes from user names (no --add-opens java.base/sun.nio.fs): {}", e.toString());
            return null;
        }
    }
}
