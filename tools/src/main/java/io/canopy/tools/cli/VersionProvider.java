package io.canopy.tools.cli;

import io.canopy.message.Message;
import picocli.CommandLine.IVersionProvider;

/** {@code canopy --version}: the build version and the wire protocol it speaks. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"canopy " + (v == null ? "development build" : v)
                + " (protocol " + Message.PROTOCOL_VERSION + ")"};
    }
}
