package io.canopy.modules.resource;

/**
 * Why and by whom a rank was drained; kept in the module's checkpoint, so it outlives the node's
 * reboot, a full shutdown and a crash of the leader.
 *
 * @param reason the operator's words (may be empty)
 * @param userid who drained it
 * @param user   that uid's name on the leader when it was drained
 * @param time   when, in seconds since the epoch (fractional)
 */
record Drain(String reason, int userid, String user, double time) {}
