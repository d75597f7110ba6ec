package io.canopy.broker;

import static io.canopy.broker.BrokerEvent.CHILDREN_COMPLETE;
import static io.canopy.broker.BrokerEvent.CHILDREN_NONE;
import static io.canopy.broker.BrokerEvent.CLEANUP_NONE;
import static io.canopy.broker.BrokerEvent.FINALIZE_DONE;
import static io.canopy.broker.BrokerEvent.INIT_SUCCESS;
import static io.canopy.broker.BrokerEvent.PARENT_LOST;
import static io.canopy.broker.BrokerEvent.PARENT_NONE;
import static io.canopy.broker.BrokerEvent.PARENT_READY;
import static io.canopy.broker.BrokerEvent.PARENT_READY_REJOIN;
import static io.canopy.broker.BrokerEvent.PARENT_RUN;
import static io.canopy.broker.BrokerEvent.QUORUM_FULL;
import static io.canopy.broker.BrokerEvent.SHUTDOWN;
import static io.canopy.broker.BrokerState.CLEANUP;
import static io.canopy.broker.BrokerState.EXIT;
import static io.canopy.broker.BrokerState.FINALIZE;
import static io.canopy.broker.BrokerState.INIT;
import static io.canopy.broker.BrokerState.JOIN;
import static io.canopy.broker.BrokerState.QUORUM;
import static io.canopy.broker.BrokerState.RUN;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every move the broker can make, as one table of (state, event, next state), as flux-core's broker
 * keeps it ({@code src/broker/state_machine.c}). An event that has no row for the current state is
 * not allowed there. Reading the table top to bottom is reading the broker's life:
 * the walk to run, a follower losing its parent and rejoining, and shutdown from every state.
 */
final class StateTable {

    /** One row: in state {@code from}, {@code event} leads to {@code to}. */
    record Transition(BrokerState from, BrokerEvent event, BrokerState to) {}

    /** The rows, in the order a broker lives them. */
    static final List<Transition> ROWS = List.of(
            row(JOIN, PARENT_NONE, INIT),
            row(JOIN, PARENT_READY, INIT),
            row(JOIN, PARENT_READY_REJOIN, QUORUM),
            row(JOIN, SHUTDOWN, BrokerState.SHUTDOWN),
            row(INIT, INIT_SUCCESS, QUORUM),
            row(INIT, SHUTDOWN, BrokerState.SHUTDOWN),
            row(QUORUM, QUORUM_FULL, RUN),
            row(QUORUM, PARENT_RUN, RUN),
            row(QUORUM, PARENT_LOST, JOIN),
            row(QUORUM, SHUTDOWN, BrokerState.SHUTDOWN),
            row(RUN, PARENT_LOST, JOIN),
            row(RUN, SHUTDOWN, CLEANUP),
            row(CLEANUP, CLEANUP_NONE, BrokerState.SHUTDOWN),
            row(BrokerState.SHUTDOWN, CHILDREN_COMPLETE, FINALIZE),
            row(BrokerState.SHUTDOWN, CHILDREN_NONE, FINALIZE),
            row(FINALIZE, FINALIZE_DONE, EXIT));

    private static final Map<BrokerState, Map<BrokerEvent, BrokerState>> NEXT = index(ROWS);

    private StateTable() {}

    /** Where {@code event} leads from {@code from}; empty when it is not allowed there. */
    static Optional<BrokerState> next(BrokerState from, BrokerEvent event) {
        return Optional.ofNullable(NEXT.get(from).get(event));
    }

    /** The events allowed in {@code state}. */
    static Set<BrokerEvent> events(BrokerState state) {
        return NEXT.get(state).keySet();
    }

    private static Transition row(BrokerState from, BrokerEvent event, BrokerState to) {
        return new Transition(from, event, to);
    }

    private static Map<BrokerState, Map<BrokerEvent, BrokerState>> index(List<Transition> rows) {
        Map<BrokerState, Map<BrokerEvent, BrokerState>> next = new EnumMap<>(BrokerState.class);
        for (BrokerState s : BrokerState.values()) {
            next.put(s, new EnumMap<>(BrokerEvent.class));
        }
        for (Transition t : rows) {
            if (next.get(t.from()).put(t.event(), t.to()) != null) {
                throw new IllegalStateException("two rows for " + t.event() + " in " + t.from());
            }
        }
        return next;
    }
}
