package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy module remove NAME}: stops a module (it checkpoints its state) and unloads it. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Stop and unload a module; it saves its state to its checkpoint first (owner only).")
public final class ModuleRemoveCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "NAME", description = "the module's name, as `canopy module list` shows it")
    String name;

    @Option(names = {"-r", "--rank"}, description = "Rank to remove from (default: the local broker).")
    String rank;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (CanopyClient client = connection.connect()) {
            client.call("module.remove", RankOption.parse(rank), Map.of("name", name), null);
            spec.commandLine().getOut().println("removed " + name);
        }
        return 0;
    }
}
