package io.canopy.tools.cli;

import picocli.CommandLine.Command;

/** {@code canopy config}: the configuration brokers run with, and reloading it. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Show the running configuration, or apply system.toml again without a restart.",
        subcommands = {ConfigGetCommand.class, ConfigReloadCommand.class})
public final class ConfigCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: get or reload");
    }
}
