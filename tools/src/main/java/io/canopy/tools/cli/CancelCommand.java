package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.local.PeerCredentials;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy cancel ID... | --all [-u USER|all] [-S STATES]}: end jobs, many in one command
 * (pipelined on one connection), as {@code flux cancel}; users may cancel their own, the owner any.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancel jobs: their tasks get SIGTERM (then SIGKILL) and they end CANCELED. Users may cancel "
                + "their own jobs; the instance owner any.",
            "Many at once: several IDs, or --all for every active job of yours (-u USER for another's, -u all for "
                + "everyone's: owner only), narrowed with -S (pending, running, or depend, sched, run, cleanup); "
                + "-n shows what would be canceled."})
public final class CancelCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-m", "--message"}, paramLabel = "NOTE", description = "Why, for the job's record.")
    String note;

    @Option(names = "--all", description = "Every active job of the user (yours unless -u says otherwise).")
    boolean all;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "With --all: this user's jobs (a name or "
            + "uid), or all (everyone's; the owner only).")
    String user;

    @Option(names = {"-S", "--states"}, paramLabel = "STATES", description = "With --all: only jobs in these states "
            + "(pending, running, depend, sched, run, cleanup; default: all active).")
    String states;

    @Option(names = {"-n", "--dry-run"}, description = "Only say which jobs would be canceled.")
    boolean dryRun;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Job ids.")
    List<Long> ids = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (all == !ids.isEmpty()) {
            throw new IllegalArgumentException(all ? "give job ids or --all, not both" : "give job ids, or --all");
        }
        if (!all && (user != null || states != null)) {
            throw new IllegalArgumentException("-u and -S go with --all");
        }
        int failed = 0;
        int canceled = 0;
        try (CanopyClient client = connection.connect()) {
            List<Long> targets = all ? selected(client) : ids;
            if (dryRun) {
                String list = String.join(" ", targets.stream().limit(20).map(String::valueOf).toList());
                err.println("canopy: would cancel " + targets.size() + " job(s)" + (targets.isEmpty() ? ""
                        : ": " + list + (targets.size() > 20 ? " ... (" + (targets.size() - 20) + " more)" : "")));
                return 0;
            }
            int[] counts = {0, 0, 0};
            Bulk.run(client, "job-manager.cancel", Jobs.LEADER, targets, id -> {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("id", id);
                if (note != null) {
                    b.put("note", note);
                }
                return b;
            }, o -> {
                if (o.error() != null && all && o.error().getMessage().contains(" is already over ")) {
                    counts[2]++; // it ended between the list and the cancel: nothing to do
                } else if (o.error() != null) {
                    counts[1]++;
                    err.println("canopy: " + o.error().getMessage());
                } else {
                    counts[0]++;
                }
            });
            canceled = counts[0];
            failed = counts[1];
            if (all && !quiet || targets.size() > 1 && !quiet) {
                err.println("canopy: canceled " + canceled + " job(s) (" + (counts[2] > 0 ? counts[2]
                        + " ended meanwhile, " : "") + failed + " error(s))");
            }
        }
        return failed > 0 ? 1 : 0;
    }

    /** The active jobs --all, -u and -S select. */
    private List<Long> selected(CanopyClient client) throws Exception {
        Set<String> wanted = states == null ? null : JobsFormat.filter(states);
        if (wanted != null && JobsFormat.needsInactive(wanted)) {
            throw new IllegalArgumentException("-S " + states + ": only active jobs can be canceled (pending, running, "
                    + "depend, sched, run, cleanup)");
        }
        String who = user == null ? Integer.toString(PeerCredentials.currentUid()) : user;
        List<Long> out = new ArrayList<>();
        for (JsonNode j : Jobs.call(client, "list", Map.of("all", false)).path("jobs")) {
            if (JobsFormat.byUser(j, who) && (wanted == null || JobsFormat.matches(j, wanted))) {
                out.add(j.path("id").asLong());
            }
        }
        return out;
    }
}
