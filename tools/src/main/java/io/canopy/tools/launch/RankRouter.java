package io.canopy.tools.launch;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Hands each log line to the appenders of the broker whose thread logged it (the thread context
 * key names the rank), in a JVM that hosts many brokers: one appender on the root logger instead
 * of a ring and a file per broker, each with a filter that every line had to pass.
 */
final class RankRouter extends AbstractAppender {
    private final String key;
    private final Map<String, List<Appender>> routes = new ConcurrentHashMap<>();

    RankRouter(String name, String key) {
        super(name, null, null, true, Property.EMPTY_ARRAY);
        this.key = key;
    }

    /** Lines of {@code rank}'s threads go to {@code appenders} (started) from now on. */
    void route(String rank, List<Appender> appenders) {
        routes.put(rank, List.copyOf(appenders));
    }

    /** {@code rank}'s lines go nowhere any more, if {@code appenders} are still its route. */
    void unroute(String rank, List<Appender> appenders) {
        routes.computeIfPresent(rank, (r, current) -> current.equals(appenders) ? null : current);
    }

    @Override
    public void append(LogEvent event) {
        String rank = event.getContextData().getValue(key);
        if (rank == null) {
            return;
        }
        List<Appender> to = routes.get(rank);
        if (to != null) {
            for (Appender a : to) {
                a.append(event);
            }
        }
    }
}
