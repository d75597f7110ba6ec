package io.canopy.modules.resource;

/**
 * One drain of a node by one source; kept in the module's checkpoint, so it outlives the node's
 * reboot, a full shutdown and a crash of the leader.
 *
 * @param reason why (the operator's words, or what the module saw; may be empty)
 * @param userid who drained it
 * @param user   that uid's name on the leader when it was drained
 * @param time   when, in seconds since the epoch (fractional)
 * @param source whose drain it is ({@link DrainSource#wire()}); a record of the previous release,
 *               which had none, gets the one {@link DrainSource#infer} guesses from its reason
 */
record Drain(String reason, int userid, String user, double time, String source) {
    Drain {
        reason = reason == null ? "" : reason;
        if (source == null || source.isEmpty()) {
            source = DrainSource.infer(reason).wire();
        }
    }

    /** An administrator's drain. */
    Drain(String reason, int userid, String user, double time) {
        this(reason, userid, user, time, DrainSource.ADMIN.wire());
    }

    Drain withReason(String newReason) {
        return new Drain(newReason, userid, user, time, source);
    }

    /** The order sources are listed in: an administrator's first. */
    int order() {
        DrainSource s = DrainSource.of(source);
        return s == null ? DrainSource.values().length : s.ordinal();
    }
}
