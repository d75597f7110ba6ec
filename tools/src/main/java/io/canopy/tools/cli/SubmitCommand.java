package io.canopy.tools.cli;

import io.canopy.client.CanopyClient;
import io.canopy.idset.IdSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy submit [-N NODES] [-n TASKS] [--output FILE] [--error FILE] [--cc IDS | --from FILE]
 * CMD ARGS...}: queue jobs and print their ids. One command submits many: {@code --cc=1-1000}
 * (flux's: one job per id, {@code {cc}} in the command replaced by it) or {@code --from FILE} (one
 * job per line; {@code -} reads standard input), pipelined on one connection.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submit a job: run COMMAND as TASKS tasks (one core each) over NODES nodes, in this "
                + "directory with this environment. Prints the job id.",
            "Many jobs in one command (much faster than a loop: one JVM, one connection): --cc=IDS submits one "
                + "job per id, with {cc} in the command replaced by it and CANOPY_JOB_CC set; --from FILE submits one "
                + "job per line of FILE (- for standard input; # comments and blank lines skipped), the line split "
                + "into words as a shell would (quotes, backslashes; no variables or globs), with the same options. "
                + "Ids are printed in order, one per line."})
public final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    JobSpecOptions job;

    @Option(names = "--cc", paramLabel = "IDS", description = "Submit one job per id (e.g. 1-1000); {cc} in the "
            + "command becomes the id.")
    String cc;

    @Option(names = "--from", paramLabel = "FILE", description = "Submit one job per line of FILE (- for standard "
            + "input); no COMMAND then.")
    String from;

    @Option(names = "--quiet", description = "Print nothing but errors.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** One job to submit: its command and, with --cc, its id. */
    private record Item(List<String> command, Integer cc) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Item> items = items();
        Path cwd = Path.of("").toAbsolutePath();
        Map<String, String> env = System.getenv();
        int[] failed = {0};
        String[] first = {null};
        try (CanopyClient client = connection.connect()) {
            if (items.size() == 1 && items.get(0).cc() == null) {
                long id = JobSpecOptions.submit(client, job.body(cwd, env, items.get(0).command()));
                out.println(id);
                return 0;
            }
            Bulk.run(client, "job-manager.submit", Jobs.LEADER, items, item -> {
                Map<String, String> e = env;
                if (item.cc() != null) {
                    e = new TreeMap<>(env);
                    e.put("CANOPY_JOB_CC", Integer.toString(item.cc()));
                }
                return job.body(cwd, e, item.command());
            }, o -> {
                if (o.error() != null) {
                    failed[0]++;
                    String what = o.item().cc() != null ? "--cc " + o.item().cc() : String.join(" ", o.item().command());
                    err.println("canopy: " + what + ": " + o.error().getMessage());
                    if (first[0] == null) {
                        first[0] = o.error().getMessage();
                    }
                } else if (!quiet) {
                    out.println(o.answer().path("id").asLong());
                }
            });
        }
        out.flush();
        if (failed[0] > 0) {
            err.println("canopy: " + failed[0] + " of " + items.size() + " submissions failed");
            return 1;
        }
        return 0;
    }

    private List<Item> items() throws IOException {
        if (cc != null && from != null) {
            throw new IllegalArgumentException("--cc and --from do not go together: give one");
        }
        List<Item> items = new ArrayList<>();
        if (from != null) {
            if (job.command != null && !job.command.isEmpty()) {
                throw new IllegalArgumentException("--from " + from + " reads the commands from the file: give no "
                        + "COMMAND (" + String.join(" ", job.command) + ")");
            }
            int n = 0;
            try (BufferedReader in = from.equals("-") ? new BufferedReader(new InputStreamReader(System.in,
                    StandardCharsets.UTF_8)) : Files.newBufferedReader(Path.of(from))) {
                String line;
                while ((line = in.readLine()) != null) {
                    n++;
                    String t = line.strip();
                    if (t.isEmpty() || t.startsWith("#")) {
                        continue;
                    }
                    try {
                        items.add(new Item(Bulk.words(t), null));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--from " + from + ": line " + n + ": " + e.getMessage());
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("--from " + from + ": no such file");
            }
            if (items.isEmpty()) {
                throw new IllegalArgumentException("--from " + from + ": no commands in it (one per line)");
            }
            return items;
        }
        if (job.command == null || job.command.isEmpty()) {
            throw new IllegalArgumentException("give the COMMAND to run (or --from FILE)");
        }
        if (cc == null) {
            items.add(new Item(job.command, null));
            return items;
        }
        IdSet ids;
        try {
            ids = IdSet.parse(cc);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cc " + cc + ": " + e.getMessage());
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("--cc " + cc + ": no ids (write e.g. --cc=1-100)");
        }
        ids.stream().forEach(id -> items.add(new Item(job.command.stream()
                .map(a -> a.replace("{cc}", Integer.toString(id))).toList(), id)));
        return items;
    }
}
