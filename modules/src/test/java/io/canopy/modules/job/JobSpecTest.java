package io.canopy.modules.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.message.Errno;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counts in a submission are whole numbers in range, checked before they are mapped to an int. */
class JobSpecTest {
    private static void check(String field, Object value) throws RpcException {
        JobSpec.checkCounts(Payloads.tree(Payloads.encode(Map.of("command", List.of("true"), field, value))));
    }

    @Test
    void countsThatWouldWrapRoundOrAreNegativeOrFractionalAreRefusedNamingTheField() {
        for (Object bad : List.of(2_147_483_648L, 4_294_967_297L, -5, 1.5, 100_001, "many")) {
            RpcException e = assertThrows(RpcException.class, () -> check("ntasks", bad), () -> "accepted " + bad);
            assertEquals(Errno.EINVAL, e.errnum());
            assertTrue(e.getMessage().startsWith("ntasks must be a whole number from 0 (the default) to 100000"), e.getMessage());
        }
        RpcException nodes = assertThrows(RpcException.class, () -> check("nnodes", 2_147_483_648L));
        assertTrue(nodes.getMessage().startsWith("nnodes must be"), nodes.getMessage());
    }

    @Test
    void countsInRangeAndMissingOnesPass() throws RpcException {
        check("ntasks", 0);
        check("ntasks", 100_000);
        check("nnodes", 3);
        check("name", "no counts at all");
    }
}
