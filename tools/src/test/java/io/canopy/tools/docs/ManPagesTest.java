package io.canopy.tools.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.tools.cli.CanopyCommand;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Man pages come from the CLI's own help: a page per command, with its options, in valid troff. */
class ManPagesTest {
    @Test
    void everyCommandGetsAPageWithItsOptions() {
        Map<String, String> pages = new ManPages("0.1.0", "2026-11-24").all(new CommandLine(new CanopyCommand()));

        assertTrue(pages.containsKey("canopy.1"));
        assertTrue(pages.containsKey("canopy-resource-drain.1"), pages.keySet()::toString);
        assertTrue(pages.containsKey("canopy-job-wait.1"));
        String drain = pages.get("canopy-resource-drain.1");
        assertTrue(drain.startsWith(".TH CANOPY-RESOURCE-DRAIN 1 \"2026-11-24\" \"canopy 0.1.0\""), drain);
        assertTrue(drain.contains(".B \\-\\-wait"), drain);
        assertTrue(drain.contains("\\fBcanopy\\-resource\\fR(1)"), drain);
    }

    @Test
    void troffSpecialsAreEscaped() {
        assertEquals("a\\-b \\ec\n\\&.start", ManPages.escape("a-b \\c\n.start"));
    }
}
