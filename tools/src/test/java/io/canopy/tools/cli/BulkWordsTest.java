package io.canopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code submit --from}: a line becomes words as a shell would split it (quotes, backslashes). */
class BulkWordsTest {
    @Test
    void blanksQuotesAndBackslashes() {
        assertEquals(List.of("sh", "-c", "echo \"a b\" > x"), Bulk.words("sh -c 'echo \"a b\" > x'"));
        assertEquals(List.of("echo", "a b", "c\"d", ""), Bulk.words("  echo \"a b\" c\\\"d \"\""));
        assertEquals(List.of("x", "y z"), Bulk.words("x y\\ z"));
    }

    @Test
    void anUnterminatedQuoteIsAnError() {
        assertEquals("unterminated ' quote in: echo 'x",
                assertThrows(IllegalArgumentException.class, () -> Bulk.words("echo 'x")).getMessage());
    }
}
