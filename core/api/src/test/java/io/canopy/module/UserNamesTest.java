package io.canopy.module;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UserNamesTest {
    @Test
    void aUidHasItsNameOrItsNumberWhenItHasNone() {
        assertEquals("root", UserNames.of(0));
        assertEquals("987654321", UserNames.of(987654321));
        assertEquals("root", UserNames.of(0), "from the cache, the same");
    }
}
