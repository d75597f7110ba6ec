package io.canopy.modules.resource;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.Arrays;
import java.util.List;

/**
 * Who a drain belongs to. A node may be drained by several sources at once and stays drained until
 * each has let go: an automatic undrain (a node back from its reboot, a lost node that returned)
 * clears only a drain of its own source, never an administrator's. {@code canopy resource undrain}
 * without {@code --source} clears them all: the administrator has the last word.
 */
enum DrainSource {
    /** {@code canopy resource drain}: an administrator. */
    ADMIN("admin"),
    /** A health check failed on the node (after a reboot, or a node that returned). */
    HEALTH("health"),
    /** job-exec's epilog failed there ({@code drain_on_epilog_failure}). */
    EPILOG("epilog"),
    /** The node was lost ({@code drain_on_lost}). */
    LOST("lost"),
    /** The node is part of a reboot ({@code canopy resource reboot}). */
    REBOOT("reboot");

    private final String wire;

    DrainSource(String wire) {
        this.wire = wire;
    }

    /** The name in requests, answers, the eventlog and the checkpoint. */
    String wire() {
        return wire;
    }

    static List<String> names() {
        return Arrays.stream(values()).map(DrainSource::wire).toList();
    }

    /** The source a request names; absent or empty is {@link #ADMIN}. */
    static DrainSource parse(String text) throws RpcException {
        if (text == null || text.isEmpty()) {
            return ADMIN;
        }
        DrainSource s = of(text);
        if (s == null) {
            throw new RpcException(Errno.EINVAL, "invalid drain source '" + text + "' (use "
                    + String.join(", ", names()) + ")");
        }
        return s;
    }

    /** The source of that name, or null. */
    static DrainSource of(String text) {
        for (DrainSource s : values()) {
            if (s.wire.equals(text)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The source of a drain recorded by the previous release, which kept none: {@code lost} for the
     * reason its {@code drain_on_lost} wrote, {@code epilog} for its epilog's, else {@code admin}
     * (the safe guess: an administrator's drain is never cleared automatically).
     */
    static DrainSource infer(String reason) {
        if ("lost".equals(reason)) {
            return LOST;
        }
        if (reason != null && reason.startsWith("epilog failed on ")) {
            return EPILOG;
        }
        return ADMIN;
    }
}
