package io.canopy.modules.resource;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;

/**
 * What {@code resource.drain} does to a node that is already drained, as flux-core's drain modes:
 * refuse ({@link #FAIL}, the default), leave it as it is ({@link #UPDATE}), or replace its reason
 * ({@link #OVERWRITE}, keeping when it was first drained; {@link #FORCE_OVERWRITE}, the time too).
 */
enum DrainMode {
    FAIL("fail"),
    UPDATE("update"),
    OVERWRITE("overwrite"),
    FORCE_OVERWRITE("force-overwrite");

    private final String wire;

    DrainMode(String wire) {
        this.wire = wire;
    }

    /** The name in a request's {@code mode}. */
    String wire() {
        return wire;
    }

    /** The mode a request names; absent or empty is {@link #FAIL}. */
    static DrainMode parse(String text) throws RpcException {
        if (text == null || text.isEmpty()) {
            return FAIL;
        }
        for (DrainMode m : values()) {
            if (m.wire.equals(text)) {
                return m;
            }
        }
        throw new RpcException(Errno.EINVAL, "invalid drain mode '" + text
                + "' (use fail, update, overwrite or force-overwrite)");
    }
}
