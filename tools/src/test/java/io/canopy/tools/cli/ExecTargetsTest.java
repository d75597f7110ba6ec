package io.canopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code canopy exec -r}: ranks or hosts, every rank by default, anything not in the instance refused. */
class ExecTargetsTest {
    private static final List<String> HOSTS = List.of("mgmt0", "node1", "node2", "node3");

    @Test
    void ranksHostsOrEveryRank() {
        assertEquals(List.of(0, 1, 2, 3), ExecTargets.resolve(null, HOSTS));
        assertEquals(List.of(1, 3), ExecTargets.resolve("1,3", HOSTS));
        assertEquals(List.of(0, 2, 3), ExecTargets.resolve("node[3,2],mgmt0", HOSTS));
    }

    @Test
    void targetsNotInTheInstanceAreNamed() {
        assertEquals("-r 2-5: no such rank(s) 4-5 (this instance has ranks 0-3)",
                assertThrows(IllegalArgumentException.class, () -> ExecTargets.resolve("2-5", HOSTS)).getMessage());
        assertEquals("-r node[3-4]: unknown host(s) node4 (not in this instance)",
                assertThrows(IllegalArgumentException.class, () -> ExecTargets.resolve("node[3-4]", HOSTS)).getMessage());
    }
}
