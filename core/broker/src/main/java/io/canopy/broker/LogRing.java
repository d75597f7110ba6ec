package io.canopy.broker;

import java.util.List;

/**
 * The broker's recent log lines, for {@code canopy dmesg}. The launcher fills it from the logging
 * back end; the broker only reads it.
 */
public interface LogRing {

    /** One logged line. {@code time} is epoch milliseconds. */
    record Entry(long seq, long time, String level, String logger, String message) {}

    /** The retained lines, oldest first. */
    List<Entry> snapshot();

    /** Forgets the retained lines. */
    void clear();

    /** A ring that keeps nothing, for brokers embedded without a logging back end. */
    LogRing NONE = new LogRing() {
        @Override
        public List<Entry> snapshot() {
            return List.of();
        }

        @Override
        public void clear() {}
    };
}
