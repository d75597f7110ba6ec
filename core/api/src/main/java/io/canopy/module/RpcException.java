package io.canopy.module;

import io.canopy.message.Errno;

/**
 * An error answer on the bus: an errno value and a message for a person. Thrown by handlers to
 * answer with an error, and delivered to callers whose request failed.
 */
public class RpcException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errnum;

    public RpcException(int errnum, String message) {
        super(message);
        this.errnum = errnum;
    }

    public RpcException(int errnum, String message, Throwable cause) {
        super(message, cause);
        this.errnum = errnum;
    }

    /** The {@link Errno} value. */
    public int errnum() {
        return errnum;
    }

    @Override
    public String toString() {
        return Errno.name(errnum) + ": " + getMessage();
    }
}
