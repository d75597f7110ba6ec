package io.canopy.modules.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A job-exec that resends an output report whose answer it lost does not get its output kept twice. */
class WatchersTest {
    @Test
    void aResentOutputReportIsRecognisedPerJobAndRank() {
        Watchers w = new Watchers();
        assertTrue(w.newOutputReport(1, 3, 1));
        assertFalse(w.newOutputReport(1, 3, 1), "the same report again");
        assertTrue(w.newOutputReport(1, 3, 2));
        assertFalse(w.newOutputReport(1, 3, 1), "an older one");
        assertTrue(w.newOutputReport(1, 4, 1), "another rank counts on its own");
        assertTrue(w.newOutputReport(2, 3, 1), "another job counts on its own");
        assertTrue(w.newOutputReport(1, 3, 0));
        assertTrue(w.newOutputReport(1, 3, 0), "unnumbered reports are always taken");
        w.forget(1);
        assertTrue(w.newOutputReport(1, 3, 1), "a forgotten job starts again");
    }
}
