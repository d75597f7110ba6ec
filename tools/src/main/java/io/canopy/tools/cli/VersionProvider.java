package io.canopy.tools.cli;

import io.canopy.broker.BuildVersion;
import io.canopy.message.Message;
import picocli.CommandLine.IVersionProvider;

/** {@code canopy --version}: the version the build was made as, and the wire protocol it speaks. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {io.canopy.overlay.Dialect.software()};
    }
}
