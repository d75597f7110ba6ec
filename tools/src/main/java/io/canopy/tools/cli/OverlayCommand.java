package io.canopy.tools.cli;

import picocli.CommandLine.Command;

/** {@code canopy overlay}: the tree of brokers, as it is now. */
@Command(name = "overlay", mixinStandardHelpOptions = true,
        description = "Show and manage the tree of brokers.",
        subcommands = {OverlayStatusCommand.class, OverlayErrorsCommand.class, OverlayDisconnectCommand.class})
public final class OverlayCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: status, errors or disconnect");
    }
}
