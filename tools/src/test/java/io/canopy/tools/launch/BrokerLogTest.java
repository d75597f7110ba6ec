package io.canopy.tools.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.broker.LogRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two brokers of one JVM: each ring and file keeps the lines of its broker's threads alone. */
class BrokerLogTest {
    private static final Logger LOG = LogManager.getLogger(BrokerLogTest.class);

    @Test
    void eachBrokerKeepsItsOwnLinesIncludingThoseOfThreadsItStarted(@TempDir Path dir) throws Exception {
        BrokerLog five = BrokerLog.enter(5, 100, dir.resolve("r5.log"));
        LOG.info("five on the thread that started it");
        Thread child = new Thread(() -> LOG.info("five on a thread it started"));
        child.start();
        child.join();
        BrokerLog.leave();
        int rootAppenders = rootAppenders();
        BrokerLog six = BrokerLog.enter(6, 100, null);
        LOG.info("six on the thread that started it");
        BrokerLog.leave();
        // One router for every broker of the JVM: a line does not pass a filter per broker.
        assertEquals(rootAppenders, rootAppenders(), "a broker adds no appender to the root logger");
        LOG.info("no broker's");
        try {
            assertEquals(List.of("five on the thread that started it", "five on a thread it started"),
                    messages(five.ring()));
            assertEquals(List.of("six on the thread that started it"), messages(six.ring()));
            List<String> file = Files.readAllLines(dir.resolve("r5.log"));
            assertEquals(2, file.size(), file.toString());
            assertTrue(file.stream().allMatch(l -> l.contains(" r5 ")), file.toString());
        } finally {
            five.close();
            six.close();
        }
        BrokerLog.enter(5, 100, null).close();
        LOG.info("five again, after its log closed");
        BrokerLog.leave();
        assertEquals(2, messages(five.ring()).size(), "a closed ring takes no more lines");
    }

    private static int rootAppenders() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        return ctx.getConfiguration().getRootLogger().getAppenders().size();
    }

    private static List<String> messages(LogRing ring) {
        return ring.snapshot().stream().map(LogRing.Entry::message).toList();
    }
}
