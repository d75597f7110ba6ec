package io.canopy.statestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a directory holds, byte for byte, to show that a refused file was left as it was. */
record OnDisk(Map<String, byte[]> files, Map<String, Long> modified) {

    static OnDisk of(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        Map<String, Long> modified = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                try {
                    files.put(p.getFileName().toString(), Files.readAllBytes(p));
                    modified.put(p.getFileName().toString(), Files.getLastModifiedTime(p).toMillis());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return new OnDisk(files, modified);
    }

    void assertSameAs(OnDisk before) {
        assertEquals(before.files.keySet(), files.keySet(), "files in the directory");
        before.files.forEach((name, bytes) -> assertArrayEquals(bytes, files.get(name), name + " changed"));
        assertEquals(before.modified, modified, "modification times");
    }
}
