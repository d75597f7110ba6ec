package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.module.RpcException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy cancel ID...}: end jobs; users may cancel their own, the owner any. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Cancel jobs: their tasks get SIGTERM (then SIGKILL) and they end CANCELED. Users may cancel "
                + "their own jobs; the instance owner any.")
public final class CancelCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-m", "--message"}, paramLabel = "NOTE", description = "Why, for the job's record.")
    String note;

    @Parameters(arity = "1..*", paramLabel = "ID", description = "Job ids.")
    List<Long> ids;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int status = 0;
        try (CanopyClient client = connection.connect()) {
            for (long id : ids) {
                try {
                    Jobs.call(client, "cancel", note == null ? Map.of("id", id) : Map.of("id", id, "note", note));
                } catch (RpcException e) {
                    spec.commandLine().getErr().println("canopy: " + e.getMessage());
                    status = 1;
                }
            }
        }
        return status;
    }
}
