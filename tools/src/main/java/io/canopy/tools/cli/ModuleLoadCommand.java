package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy module load PATH|NAME [key=value...]}: loads a module jar or a built-in module. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Load a module from a jar (its own class loader) or a built-in module by name (owner only).")
public final class ModuleLoadCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH|NAME", description = "a module jar, or a built-in module's name")
    String module;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "configuration for the module")
    List<String> args = List.of();

    @Option(names = {"-r", "--rank"}, description = "Rank to load on (default: the local broker).")
    String rank;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> config = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("module argument '" + a + "' is not KEY=VALUE");
            }
            config.put(a.substring(0, eq), a.substring(eq + 1));
        }
        String spec0 = module;
        if (module.contains("/") || module.endsWith(".jar")) {
            Path p = Path.of(module).toAbsolutePath().normalize(); // the broker may run elsewhere
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("module jar " + p + " does not exist");
            }
            spec0 = p.toString();
        }
        try (CanopyClient client = connection.connect()) {
            var resp = Json.tree(client.call("module.load", RankOption.parse(rank),
                    Map.of("path", spec0, "args", config), null).payload());
            spec.commandLine().getOut().println("loaded " + resp.path("name").asText());
        }
        return 0;
    }
}
