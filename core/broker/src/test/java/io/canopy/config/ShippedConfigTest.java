package io.canopy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The commented {@code system.toml} the package installs states the true defaults: with every
 * commented {@code key = value} line switched on (and hosts given), it means exactly what the file
 * without them means.
 */
class ShippedConfigTest {
    private static final Path SHIPPED = Path.of("../../packaging/rpm/system.toml");
    private static final String HOSTS = "hosts = [ {host = \"mgmt0\"}, {host = \"node[1-4]\"} ]";

    @Test
    void everyCommentedValueIsTheDefault() throws Exception {
        List<String> lines = Files.readAllLines(SHIPPED);
        List<String> on = new ArrayList<>();
        int switched = 0;
        for (String line : lines) {
            if (line.matches("#[a-z_]+ = .*") && !line.startsWith("#hosts")) {
                on.add(line.substring(1));
                switched++;
            } else {
                on.add(line);
            }
            if (line.equals("[bootstrap]")) {
                on.add(HOSTS);
            }
        }
        List<String> off = new ArrayList<>(lines);
        off.add(off.indexOf("[bootstrap]") + 1, HOSTS);

        InstanceConfig withValues = InstanceConfig.parse(String.join("\n", on), SHIPPED);
        InstanceConfig withoutValues = InstanceConfig.parse(String.join("\n", off), SHIPPED);

        assertTrue(switched >= 15, "the file comments every key: " + switched);
        assertEquals(ConfigTables.of(withoutValues), ConfigTables.of(withValues));
    }
}
