package io.canopy.overlay.zmq;

import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

/**
 * Logs a recurring condition (a parent that is not up yet, garbage from a stranger) the first time
 * and then at most once per interval per key, with a count of what was held back, so a broker
 * waiting for hours does not fill the journal. Used on the overlay thread only.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final Map<String, long[]> seen = new HashMap<>();

    RateLimitedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
    }

    void log(Level level, String key, String message) {
        long now = System.nanoTime();
        long[] s = seen.computeIfAbsent(key, k -> new long[] {now - intervalNanos - 1, 0});
        if (now - s[0] > intervalNanos) {
            log.log(level, s[1] > 0 ? message + " (" + s[1] + " more like it since last logged)" : message);
            s[0] = now;
            s[1] = 0;
        } else {
            s[1]++;
        }
    }

    /** Forgets a key, so the next occurrence is logged at once. */
    void reset(String key) {
        seen.remove(key);
    }
}
