package io.canopy.modules.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This node's boot id, the kernel's {@code /proc/sys/kernel/random/boot_id}: a new one at every
 * boot, so the leader can tell a node that rebooted from a broker that only restarted. A test
 * instance (several brokers on one machine, one boot) gives each broker a file of its own through
 * the JVM property {@value #TEST_PROPERTY}, which its fake reboot command rewrites; the property is
 * set on the broker's command line by the test harness ({@code TestInstance}) and by nothing in a
 * packaged installation, where the systemd unit alone starts the broker.
 */
final class BootId {
    static final String TEST_PROPERTY = "canopy.test.boot-id-file";
    static final Path KERNEL = Path.of("/proc/sys/kernel/random/boot_id");

    private BootId() {}

    /** The boot id now, or {@code unknown: WHY} when it cannot be read. */
    static String read() {
        String test = System.getProperty(TEST_PROPERTY);
        Path p = test == null || test.isBlank() ? KERNEL : Path.of(test);
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return "unknown: " + p + ": " + e.getMessage();
        }
    }
}
