package io.canopy.tools.launch;

import io.canopy.broker.LogRing;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Keeps the broker's last log lines in memory for {@code canopy dmesg}, like a kernel's ring
 * buffer: the oldest line goes when a new one arrives and the ring is full. In a JVM that hosts
 * several brokers each has a ring of its own, to which {@link RankRouter} hands only its lines
 * ({@link BrokerLog}).
 */
public final class RingAppender extends AbstractAppender implements LogRing {
    /** Lines kept by default, as flux does. */
    public static final int DEFAULT_CAPACITY = 1024;

    private final int capacity;
    private final ArrayDeque<Entry> ring;
    private long seq;

    private RingAppender(String name, int capacity) {
        super(name, null, null, true, Property.EMPTY_ARRAY);
        this.capacity = capacity;
        this.ring = new ArrayDeque<>(capacity);
    }

    /** Creates a ring of every line of the JVM and attaches it to the root logger. */
    public static RingAppender install(int capacity) {
        RingAppender ring = new RingAppender("ring", capacity);
        BrokerLog.attach(ring);
        return ring;
    }

    /** A started ring, not yet attached: {@link RankRouter} gives it its broker's lines. */
    static RingAppender create(String name, int capacity) {
        RingAppender ring = new RingAppender(name, capacity);
        ring.start();
        return ring;
    }

    @Override
    public void append(LogEvent event) {
        Entry e;
        synchronized (this) {
            e = new Entry(++seq, event.getTimeMillis(), event.getLevel().name(), shortName(event.getLoggerName()),
                    event.getMessage().getFormattedMessage());
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(e);
        }
    }

    @Override
    public synchronized List<Entry> snapshot() {
        return new ArrayList<>(ring);
    }

    @Override
    public synchronized void clear() {
        ring.clear();
    }

    private static String shortName(String logger) {
        if (logger == null) {
            return "";
        }
        if (logger.startsWith("canopy.module.")) {
            return logger.substring("canopy.".length());
        }
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }
}
