package io.canopy.statestore;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test, to fill up: a real "No space left on device". Needs root;
 * where {@code mount} is refused the test is skipped with the reason.
 */
final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    static Tmpfs mount(Path dir, String size) throws IOException {
        Files.createDirectories(dir);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        assumeTrue(out == null, () -> "skipped: cannot mount a " + size + " tmpfs to fill (needs root): " + out);
        return new Tmpfs(dir);
    }

    Path dir() {
        return dir;
    }

    /** Writes {@code name} until the file system is full; returns the file. */
    Path fill(String name) throws IOException {
        Path filler = dir.resolve(name);
        byte[] chunk = new byte[16 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
        return filler;
    }

    @Override
    public void close() throws IOException {
        String out = run("umount", dir.toString());
        if (out != null) {
            // Something still maps a file there; detach it now, the kernel frees it when unmapped.
            String lazy = run("umount", "-l", dir.toString());
            if (lazy != null) {
                throw new IOException("cannot unmount " + dir + ": " + out + " / " + lazy);
            }
        }
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    private static String run(String... command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return command[0] + " did not finish in 30 s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return command[0] + " was interrupted";
        }
        return p.exitValue() == 0 ? null : out.strip() + " (exit " + p.exitValue() + ")";
    }
}
