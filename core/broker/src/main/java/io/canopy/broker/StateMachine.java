package io.canopy.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Holds the broker's current {@link BrokerState}, refuses illegal moves, logs every move as
 * {@code event: from->to 1.234s} (the time spent in the previous state), and tells listeners.
 * Used only on the broker thread.
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

    /**
     * Moves to {@code next} because of {@code event}.
     *
     * @throws IllegalStateException when the move is not allowed from the current state
     */
    void move(String event, BrokerState next) {
        BrokerState from = state;
        if (!from.canMoveTo(next)) {
            throw new IllegalStateException(event + ": cannot move " + from.label() + "->" + next.label());
        }
        double spent = secondsInState();
        state = next;
        enteredNanos = System.nanoTime();
        LOG.info("{}: {}->{} {}s", event, from.label(), next.label(), String.format(java.util.Locale.ROOT, "%.3f", spent));
        for (BiConsumer<BrokerState, BrokerState> l : listeners) {
            l.accept(from, next);
        }
    }
}
