package io.canopy.broker;

import java.util.Locale;

/**
 * The broker's life, in the order it is lived. {@code canopy uptime} and {@code canopy overlay
 * status} show these names. Which moves are allowed, and on which {@link BrokerEvent}, is
 * {@link StateTable}'s to say.
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
}
