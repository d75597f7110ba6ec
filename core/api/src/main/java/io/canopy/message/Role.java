package io.canopy.message;

/**
 * Role bits carried in a message's rolemask. The receiving connector sets them from the caller's
 * credentials; a sender's own claim is never trusted.
 */
public final class Role {
    /** No role: an unauthenticated or invalid credential. */
    public static final int NONE = 0;
    /** The instance owner (the uid the broker runs as) and root. */
    public static final int OWNER = 1;
    /** Any other local user: may read status and manage only what it owns. */
    public static final int USER = 2;
    /** Added to every message that entered through the local connector. */
    public static final int LOCAL = 4;

    private Role() {}

    /** True when {@code rolemask} has every bit of {@code required}. */
    public static boolean has(int rolemask, int required) {
        return (rolemask & required) == required;
    }

    /** A short readable form, e.g. {@code owner,local}, for logs and errors. */
    public static String describe(int rolemask) {
        StringBuilder sb = new StringBuilder();
        if ((rolemask & OWNER) != 0) sb.append("owner,");
        if ((rolemask & USER) != 0) sb.append("user,");
        if ((rolemask & LOCAL) != 0) sb.append("local,");
        return sb.length() == 0 ? "none" : sb.substring(0, sb.length() - 1);
    }
}
