package io.canopy.broker;

/**
 * What moves the broker from one {@link BrokerState} to the next, named as the log shows it
 * ({@code parent-ready: join->init 0.012s}). The broker only says what happened; {@link StateTable}
 * decides where that leads from the current state, and refuses an event that does not belong there.
 *
 * <p>A follower's hello being accepted is {@code parent-ready} in the log either way, but it leads
 * to init the first time and straight back to quorum when the broker rejoins with its modules and
 * live state: two events here, because the table decides from (state, event) alone.
 */
enum BrokerEvent {
    /** The leader has no parent: it passes join at once. */
    PARENT_NONE("parent-none"),
    /** The parent accepted this follower's first hello. */
    PARENT_READY("parent-ready"),
    /** The parent accepted the hello of a follower that had initialised before (a rejoin). */
    PARENT_READY_REJOIN("parent-ready"),
    /** Every built-in module started. */
    INIT_SUCCESS("init-success"),
    /** The leader's quorum is online. */
    QUORUM_FULL("quorum-full"),
    /** The follower's parent runs. */
    PARENT_RUN("parent-run"),
    /** The follower's parent vanished: back to join, keeping modules and live state. */
    PARENT_LOST("parent-lost"),
    /** A shutdown began (a signal, a request, a failure at init). */
    SHUTDOWN("shutdown"),
    /** Nothing to clean up: on to shutdown. */
    CLEANUP_NONE("cleanup-none"),
    /** Every child handed up its checkpoint or is gone. */
    CHILDREN_COMPLETE("children-complete"),
    /** The broker exits without waiting for children. */
    CHILDREN_NONE("children-none"),
    /** Modules stopped and state is handed up or saved. */
    FINALIZE_DONE("finalize-done");

    private final String label;

    BrokerEvent(String label) {
        this.label = label;
    }

    /** The name the log shows, e.g. {@code parent-ready}. */
    String label() {
        return label;
    }
}
