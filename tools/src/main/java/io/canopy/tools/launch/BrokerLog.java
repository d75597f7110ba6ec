package io.canopy.tools.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.ThreadContext;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;

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

    /** The JVM's one appender that hands each line to its broker's ring and file. */
    private static RankRouter router;

    private final String rank;
    private final RingAppender ring;
    private final List<Appender> appenders;

    private BrokerLog(String rank, RingAppender ring, List<Appender> appenders) {
        this.rank = rank;
        this.ring = ring;
        this.appenders = appenders;
    }

    /**
     * Marks the calling thread (and the threads it starts) as working for broker {@code rank} and
     * opens that broker's ring and, when {@code file} is given, its log file (appended to).
     */
    public static BrokerLog enter(int rank, int ringCapacity, Path file) {
        String key = Integer.toString(rank);
        ThreadContext.put(RANK_KEY, key);
        List<Appender> all = new ArrayList<>();
        RingAppender ring = RingAppender.create("ring-r" + rank, ringCapacity);
        all.add(ring);
        if (file != null) {
            FileAppender out = FileAppender.newBuilder().setName("file-r" + rank)
                    .withFileName(file.toString()).withAppend(true).withImmediateFlush(true)
                    .setLayout(PatternLayout.newBuilder().withPattern(PATTERN).build())
                    .build();
            out.start();
            all.add(out);
        }
        router().route(key, all);
        return new BrokerLog(key, ring, all);
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
        router().unroute(rank, appenders);
        appenders.forEach(Appender::stop);
    }

    /**
     * The router, attached to the root logger on first use: one appender however many brokers the
     * JVM hosts, so a line costs one lookup of its rank instead of a filter per broker (with 128
     * brokers a JVM, each line passed 256 filters).
     */
    private static synchronized RankRouter router() {
        if (router == null) {
            router = new RankRouter("brokers", RANK_KEY);
            router.start();
            attach(router);
        }
        return router;
    }

    /** Attaches a started appender to the root logger of the running configuration. */
    static synchronized void attach(Appender appender) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, null, null);
        ctx.updateLoggers();
    }
}
