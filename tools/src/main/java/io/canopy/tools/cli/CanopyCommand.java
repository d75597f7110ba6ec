package io.canopy.tools.cli;

import picocli.CommandLine.Command;

/** The top of the {@code canopy} command tree; every subcommand is its own class. */
@Command(name = "canopy", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Cluster message bus and node management for HPC centres.",
        subcommands = {
            StartCommand.class,
            BrokerCommand.class,
            UptimeCommand.class,
            PingCommand.class,
            RpcCommand.class,
            ModuleCommand.class,
            DmesgCommand.class,
            OverlayCommand.class,
            ResourceCommand.class,
            ShutdownCommand.class,
            KeygenCommand.class,
            SubmitCommand.class,
            RunCommand.class,
            JobsCommand.class,
            JobCommand.class,
            CancelCommand.class,
            ConfigCommand.class,
            ExecCommand.class,
            picocli.CommandLine.HelpCommand.class
        })
public final class CanopyCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
