package io.canopy.tools.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.ThreadContext;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.filter.ThreadContextMapFilter;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.util.KeyValuePair;

/**
 * The log of one broker in a JVM that hosts several ({@code canopy broker --ranks}): its own
 * {@code canopy dmesg} ring and its own log file, each keeping only the lines logged on the
 * broker's threads.
 *
 * <p>A broker's threads are told apart by the Log4j thread context key {@value #RANK_KEY}: the
 * thread that builds and starts a broker sets it ({@link #enter}), and every thread the broker
 * starts from then on inherits it ({@code log4j2.isThreadContextMapInheritable}, set in
 * {@code log4j2.component.properties}). A thread from a pool the JVM shares (the JDK's process
 * reaper) carries no rank: its lines go to the JVM's output only. The JVM's own console output names the rank on each line too.
 */
public final class BrokerLog implements AutoCloseable {
    /** The thread context key naming the rank a thread works for. */
    public static final String RANK_KEY = "rank";
    /** What the broker's file lines look like: the console's, with the rank. */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS} %-5level [%t] r%X{rank} %c{1}: %msg%n";

    private final RingAppender ring;
    private final List<Appender> appenders;

    private BrokerLog(RingAppender ring, List<Appender> appenders) {
        this.ring = ring;
        this.appenders = appenders;
    }

    /**
     * Marks the calling thread (and the threads it starts) as working for broker {@code rank} and
     * opens that broker's ring and, when {@code file} is given, its log file (appended to).
     */
    public static BrokerLog enter(int rank, int ringCapacity, Path file) {
        ThreadContext.put(RANK_KEY, Integer.toString(rank));
        List<Appender> all = new ArrayList<>();
        RingAppender ring = RingAppender.create("ring-r" + rank, ringCapacity, onlyRank(rank));
        all.add(ring);
        if (file != null) {
            FileAppender out = FileAppender.newBuilder().setName("file-r" + rank)
                    .withFileName(file.toString()).withAppend(true).withImmediateFlush(true)
                    .setFilter(onlyRank(rank))
                    .setLayout(PatternLayout.newBuilder().withPattern(PATTERN).build())
                    .build();
            out.start();
            all.add(out);
        }
        all.forEach(BrokerLog::attach);
        return new BrokerLog(ring, all);
    }

    /** The calling thread works for no broker any more (the threads it started keep theirs). */
    public static void leave() {
        ThreadContext.remove(RANK_KEY);
    }

    /** The broker's {@code canopy dmesg} ring. */
    public RingAppender ring() {
        return ring;
    }

    /** Detaches and stops the broker's ring and file once the broker has exited. */
    @Override
    public void close() {
        synchronized (BrokerLog.class) {
            detach();
        }
    }

    private void detach() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        for (Appender a : appenders) {
            config.getRootLogger().removeAppender(a.getName());
            config.getAppenders().remove(a.getName());
            a.stop();
        }
        ctx.updateLoggers();
    }

    /** Attaches a started appender to the root logger of the running configuration. */
    static synchronized void attach(Appender appender) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, null, null);
        ctx.updateLoggers();
    }

    private static Filter onlyRank(int rank) {
        return ThreadContextMapFilter.createFilter(
                new KeyValuePair[] {new KeyValuePair(RANK_KEY, Integer.toString(rank))}, "and",
                Filter.Result.NEUTRAL, Filter.Result.DENY);
    }
}
