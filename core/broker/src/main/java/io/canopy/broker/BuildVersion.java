package io.canopy.broker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of Canopy this code was built as ({@code 0.1.0}, or {@code 0.1.0-SNAPSHOT} between
 * releases), written into the jar by Maven: what {@code canopy --version} prints, what
 * {@code broker.uptime} reports and {@code canopy resource info} shows for each broker, and what
 * {@code scripts/build-rpm} names the package after, so the three always agree.
 */
public final class BuildVersion {
    private static final String VERSION = read();

    private BuildVersion() {}

    /** The build's version; {@code unknown} only when the jar was built without Maven's resources. */
    public static String version() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = BuildVersion.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
