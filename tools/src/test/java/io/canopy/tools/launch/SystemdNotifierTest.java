package io.canopy.tools.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.canopy.broker.BrokerState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What systemd is told at each state: READY=1 only at run, STOPPING=1 from cleanup on. */
class SystemdNotifierTest {
    @Test
    void readyOnlyWhenTheBrokerRunsAndStoppingWhenItShutsDown() {
        SystemdNotifier n = new SystemdNotifier("systemd-notify", 42);

        assertEquals(List.of("--pid=42", "--status=broker state join"), n.arguments(BrokerState.JOIN));
        assertEquals(List.of("--pid=42", "--ready", "--status=broker state run"), n.arguments(BrokerState.RUN));
        assertEquals(List.of("--pid=42", "--status=broker state cleanup", "STOPPING=1"), n.arguments(BrokerState.CLEANUP));
    }

    @Test
    void withoutANotifySocketThereIsNothingToTell() {
        assertNull(SystemdNotifier.fromEnvironment(Map.of()));
        assertEquals("systemd-notify", SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/x")) == null ? null
                : "systemd-notify");
    }
}
