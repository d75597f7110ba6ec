package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * {@code --uri}, shared by every command that talks to a broker. Without it the broker is found
 * through {@code CANOPY_URI}, and without that, at the system instance's socket.
 */
public final class ConnectionOptions {
    /** Set by {@code Main} from a {@code --uri} that came before the command. */
    public static final String URI_PROPERTY = "canopy.uri";

    @Option(names = "--uri", paramLabel = "URI",
            description = "Broker to talk to, e.g. local:///run/canopy/local (default: $CANOPY_URI, "
                    + "else the system instance)")
    String uri;

    /** Connects, with an error that names the socket and what to check. */
    public CanopyClient connect() throws IOException {
        String chosen = uri != null ? uri : System.getProperty(URI_PROPERTY, System.getenv("CANOPY_URI"));
        return CanopyClient.connect(CanopyClient.socketFromUri(chosen));
    }
}
