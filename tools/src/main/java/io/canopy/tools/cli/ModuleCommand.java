package io.canopy.tools.cli;

import picocli.CommandLine.Command;

/** {@code canopy module}: load, remove and list service modules at run time. */
@Command(name = "module", mixinStandardHelpOptions = true,
        description = "Manage the broker's service modules.",
        subcommands = {ModuleListCommand.class, ModuleLoadCommand.class, ModuleRemoveCommand.class})
public final class ModuleCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: list, load or remove");
    }
}
