package io.canopy.tools.cli;

import picocli.CommandLine.Command;

/** {@code canopy resource}: the nodes, their state, and drains. */
@Command(name = "resource", mixinStandardHelpOptions = true,
        description = "Show node states, drain or undrain nodes, reboot them when idle, show one node in full, and the "
                + "drain history.",
        subcommands = {ResourceStatusCommand.class, ResourceListCommand.class, ResourceDrainCommand.class,
            ResourceUndrainCommand.class, ResourceRebootCommand.class, ResourceInfoCommand.class,
            ResourceEventlogCommand.class})
public final class ResourceCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: status, list, drain, undrain, reboot, info or eventlog");
    }
}
