package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.idset.Hostlist;
import java.io.PrintWriter;
import java.util.ArrayList;
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

/**
 * {@code canopy resource reboot [--when-idle] [--resume] [--max-parallel N] [--wait] TARGETS
 * REASON...}: a rolling reboot as one command ({@code scontrol reboot ASAP nextstate=resume} done
 * with a health gate). Without targets it lists the reboot waves the leader keeps ({@code --wait}:
 * follows the active ones).
 */
@Command(name = "reboot", mixinStandardHelpOptions = true,
        description = {"Reboot nodes (owner only): drain them at once (source reboot: no new job starts there), "
                + "run the node's reboot command once no job runs there, wait for it to come back with a new boot "
                + "id, run its health check, and with --resume undrain it only if the check passed. A node whose "
                + "reboot fails, that does not come back in time, or that fails its check stays drained with a "
                + "reason that says so. The leader keeps the wave on disk: it goes on after a leader restart.",
            "Without TARGETS: list the reboot waves (the active ones and the last 10 finished); with --wait, wait "
                + "for the active ones."})
public final class ResourceRebootCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGETS", description = "ranks (0-3,7) or hosts (node[1-4])")
    String targets;

    @Parameters(index = "1..*", paramLabel = "REASON", description = "why, for the drain and the eventlog")
    List<String> reason = List.of();

    @Option(names = "--when-idle", description = "Accept nodes that run jobs: each reboots once its jobs have "
            + "ended (it shows draining meanwhile). Without it a busy target is an error.")
    boolean whenIdle;

    @Option(names = "--resume", description = "Undrain each node that comes back and passes its health check "
            + "(only the reboot's drain goes: another source's drain, an administrator's, stays). Without it the "
            + "nodes stay drained after their reboot.")
    boolean resume;

    @Option(names = "--max-parallel", paramLabel = "N", defaultValue = "0", description = "At most N nodes of this "
            + "reboot down (rebooting or being checked) at once; 0 (the default): no bound.")
    int maxParallel;

    @Option(names = "--reboot-timeout", paramLabel = "T", description = "How long a node may take to come back "
            + "with a new boot id (and to pass its check), e.g. 20m; default: [resource] reboot_timeout (15m).")
    String rebootTimeout;

    @Option(names = "--wait", description = "Follow the reboot until every node is done, printing progress; exit 1 "
            + "if any node failed.")
    boolean await;

    @Option(names = "--json", description = "Without TARGETS: print the waves as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (targets == null) {
            try (CanopyClient client = connection.connect()) {
                JsonNode waves = Json.tree(client.call("resource.reboot-status", ResourceView.LEADER, Map.of(), null)
                        .payload()).path("waves");
                if (json) {
                    out.println(Json.write(waves, false));
                } else {
                    waves.forEach(w -> out.println(RebootProgress.summary(w)));
                }
                if (!await) {
                    return 0;
                }
                int worst = 0;
                for (JsonNode w : waves) {
                    if (w.path("finished").isNull()) {
                        worst = Math.max(worst, new RebootProgress(connection, w.path("id").asLong(), err,
                                System.console() != null).await());
                    }
                }
                return worst;
            }
        }
        long id;
        try (CanopyClient client = connection.connect()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("targets", targets);
            body.put("reason", String.join(" ", reason));
            body.put("whenIdle", whenIdle);
            body.put("resume", resume);
            body.put("maxParallel", maxParallel);
            if (rebootTimeout != null) {
                io.canopy.module.Durations.parse("--reboot-timeout", rebootTimeout); // a usage error before anything
                body.put("timeout", rebootTimeout);
            }
            JsonNode r = Json.tree(client.call("resource.reboot", ResourceView.LEADER, body, null).payload());
            id = r.path("id").asLong();
            List<Integer> ranks = new ArrayList<>();
            r.path("ranks").forEach(n -> ranks.add(n.asInt()));
            if (!await) {
                err.println("reboot wave " + id + ": " + ranks.size() + " node(s) drained for the reboot"
                        + (whenIdle ? ", each rebooted once idle" : "") + "; follow it with `canopy resource reboot "
                        + "--wait`, `canopy resource status` or `canopy resource eventlog`");
                return 0;
            }
        }
        return new RebootProgress(connection, id, err, System.console() != null).await();
    }

    /** {@code node[1-4]} of a list of host names. */
    static String hosts(List<String> h) {
        return Hostlist.compress(h);
    }
}
