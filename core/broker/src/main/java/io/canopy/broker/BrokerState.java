package io.canopy.broker;

import java.util.Locale;

/**
 * The broker's life, in the order it is lived. {@code canopy uptime} and {@code canopy overlay
 * status} show these names.
 *
 * <pre>
 *  join -> init -> quorum -> run -> cleanup -> shutdown -> finalize -> exit
 *    \________\________\______________\__________^  (a failure jumps to shutdown)
 *    ^___________________________/  (a follower whose parent vanished goes back to join,
 *    \_____________> quorum          keeps its modules and live state, and rejoins)
 * </pre>
 *
 * <ul>
 *   <li>{@code join}: a follower connects to its parent and says hello; the leader passes at once.
 *   <li>{@code init}: state is restored (leader from disk, follower from its parent) and built-in
 *       modules start.
 *   <li>{@code quorum}: the leader waits for its quorum to be online; a follower waits for its
 *       parent to say the instance runs.
 *   <li>{@code run}: every service answers.
 *   <li>{@code cleanup}, {@code shutdown}: work winds down; a broker waits for its children to go.
 *   <li>{@code finalize}: modules stop and checkpoint; state is handed up or saved.
 *   <li>{@code exit}: the process ends.
 * </ul>
 */
public enum BrokerState {
    JOIN,
    INIT,
    QUORUM,
    RUN,
    CLEANUP,
    SHUTDOWN,
    FINALIZE,
    EXIT;

    /** The lower-case name users see, e.g. {@code run}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True in the states where the broker serves requests beyond status. */
    public boolean serves() {
        return this == RUN || this == CLEANUP;
    }

    /**
     * True when moving from this state to {@code next} is allowed: one step forward; straight to
     * {@code shutdown} (on failure or signal) from any state before it; from run back to join when
     * the parent vanished; from join to quorum when a broker that already ran rejoins.
     */
    public boolean canMoveTo(BrokerState next) {
        if (next.ordinal() == ordinal() + 1) {
            return true;
        }
        if ((this == RUN || this == QUORUM) && next == JOIN || this == JOIN && next == QUORUM) {
            return true; // parent lost, and the rejoin of a broker that had already run
        }
        return next == SHUTDOWN && ordinal() < SHUTDOWN.ordinal();
    }
}
