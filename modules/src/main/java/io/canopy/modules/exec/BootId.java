package io.canopy.modules.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This node's boot id, the kernel's {@code /proc/sys/kernel/random/boot_id}: a new one at every
 * boot, so the leader can tell a node that rebooted from a broker that only restarted. A test
 * instance (several brokers on one machine, one boot, maybe several in one JVM) gives each broker a
 * file of its own through job-exec's {@code boot_id_file} argument (the hidden {@code canopy broker
 * --boot-id-file}), which its fake reboot command rewrites; nothing sets it in a packaged
 * installation, where the systemd unit alone starts the broker.
 */
final class BootId {
    static final Path KERNEL = Path.of("/proc/sys/kernel/random/boot_id");

    private BootId() {}

    /** The boot id now, or {@code unknown: WHY} when it cannot be read. */
    static String read(java.util.Optional<String> testFile) {
        Path p = testFile.map(Path::of).orElse(KERNEL);
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return "unknown: " + p + ": " + e.getMessage();
        }
    }
}
