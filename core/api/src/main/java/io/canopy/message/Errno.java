package io.canopy.message;

/**
 * Error numbers carried by error responses. They are the Linux errno values, so a response's
 * number means the same thing to every client, whatever language it is written in.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int EPROTO = 71;
    public static final int EMSGSIZE = 90;
    public static final int ECONNRESET = 104;
    public static final int ETIMEDOUT = 110;
    public static final int EHOSTUNREACH = 113;
    public static final int ECANCELED = 125;

    private Errno() {}

    /** The symbolic name of a number, e.g. {@code EPERM}, or {@code errno N}. */
    public static String name(int errnum) {
        return switch (errnum) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EIO -> "EIO";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ENOSYS -> "ENOSYS";
            case EPROTO -> "EPROTO";
            case EMSGSIZE -> "EMSGSIZE";
            case ECONNRESET -> "ECONNRESET";
            case ETIMEDOUT -> "ETIMEDOUT";
            case EHOSTUNREACH -> "EHOSTUNREACH";
            case ECANCELED -> "ECANCELED";
            default -> "errno " + errnum;
        };
    }
}
