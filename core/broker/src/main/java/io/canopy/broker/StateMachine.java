package io.canopy.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Holds the broker's current {@link BrokerState} and moves it when an event is fired, to where
 * {@link StateTable} says; logs every move as {@code event: from->to 1.234s} (the time spent in the
 * previous state) and tells listeners. Used only on the broker thread.
 */
final class StateMachine {
    private static final Logger LOG = LogManager.getLogger(StateMachine.class);

    private final List<BiConsumer<BrokerState, BrokerState>> listeners = new ArrayList<>();
    private volatile BrokerState state = BrokerState.JOIN;
    private volatile long enteredNanos = System.nanoTime();

    BrokerState state() {
        return state;
    }

    /** Seconds spent in the current state. */
    double secondsInState() {
        return (System.nanoTime() - enteredNanos) / 1e9;
    }

    void onChange(BiConsumer<BrokerState, BrokerState> listener) {
        listeners.add(listener);
    }

    /** True when {@code event} is allowed in the current state. */
    boolean can(BrokerEvent event) {
        return StateTable.next(state, event).isPresent();
    }

    /**
     * Moves to the state {@code event} leads to from the current one.
     *
     * @throws IllegalStateException naming the event and the state when the event is not allowed there
     */
    void fire(BrokerEvent event) {
        BrokerState from = state;
        BrokerState next = StateTable.next(from, event).orElseThrow(() -> new IllegalStateException(
                "event " + event.label() + " (" + event + ") is not allowed in state " + from.label()
                        + "; allowed there: " + StateTable.events(from)));
        double spent = secondsInState();
        state = next;
        enteredNanos = System.nanoTime();
        LOG.info(line(event, from, next, spent));
        for (BiConsumer<BrokerState, BrokerState> l : listeners) {
            l.accept(from, next);
        }
    }

    /** The log line of a move, e.g. {@code parent-ready: join->init 1.234s}. */
    static String line(BrokerEvent event, BrokerState from, BrokerState to, double seconds) {
        return event.label() + ": " + from.label() + "->" + to.label() + " "
                + String.format(Locale.ROOT, "%.3f", seconds) + "s";
    }
}
