package io.canopy.tools;

import io.canopy.tools.cli.BrokerCommand;
import io.canopy.tools.cli.CanopyCommand;
import io.canopy.tools.cli.ConnectionOptions;
import io.canopy.tools.cli.DmesgCommand;
import io.canopy.tools.cli.ErrorHandler;
import io.canopy.tools.cli.KeygenCommand;
import io.canopy.tools.cli.ModuleCommand;
import io.canopy.tools.cli.OverlayCommand;
import io.canopy.tools.cli.PingCommand;
import io.canopy.tools.cli.CancelCommand;
import io.canopy.tools.cli.ConfigCommand;
import io.canopy.tools.cli.ExecCommand;
import io.canopy.tools.cli.JobCommand;
import io.canopy.tools.cli.JobsCommand;
import io.canopy.tools.cli.ResourceCommand;
import io.canopy.tools.cli.RunCommand;
import io.canopy.tools.cli.SubmitCommand;
import io.canopy.tools.cli.RpcCommand;
import io.canopy.tools.cli.ShutdownCommand;
import io.canopy.tools.cli.StartCommand;
import io.canopy.tools.cli.UptimeCommand;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Entry point of the {@code canopy} command. Client commands use Log4j's simple logger (warnings
 * to stderr) so they start fast; only a broker process loads the full logging back end.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // without picocli's model of every command: a script asking for the version needs none of it
            System.out.println(new io.canopy.tools.cli.VersionProvider().getVersion()[0]);
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals(TRAIN_CDS)) {
            System.exit(trainCds());
        }
        if (args.length == 0 || !args[0].equals("broker")) {
            System.setProperty("log4j2.loggerContextFactory",
                    "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
            System.setProperty("org.apache.logging.log4j.simplelog.StatusLogger.level", "OFF");
            System.setProperty("org.apache.logging.log4j.simplelog.level", "WARN");
            System.setProperty("org.apache.logging.log4j.simplelog.logFile", "system.err");
        }
        if (args.length > 0 && args[0].equals("broker") && System.getProperty("jdk.lang.Process.launchMechanism") == null
                && Runtime.version().feature() <= 21) {
            // job-exec starts a process per task: vfork starts them 1.4x as fast as Java 17's default
            // (posix_spawn through jspawnhelper, an extra exec) on this project's 2-core machines.
            // Later Java versions deprecate and drop vfork: they keep their default.
            System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
        }
        System.exit(run(args));
    }

    /**
     * The top-level commands, built on their own when invoked: picocli reflects over every command
     * it is given, and a client such as {@code canopy uptime} should not pay for the other twenty.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = Map.ofEntries(
            Map.entry("start", StartCommand::new),
            Map.entry("broker", BrokerCommand::new),
            Map.entry("uptime", UptimeCommand::new),
            Map.entry("ping", PingCommand::new),
            Map.entry("rpc", RpcCommand::new),
            Map.entry("module", ModuleCommand::new),
            Map.entry("dmesg", DmesgCommand::new),
            Map.entry("overlay", OverlayCommand::new),
            Map.entry("resource", ResourceCommand::new),
            Map.entry("shutdown", ShutdownCommand::new),
            Map.entry("keygen", KeygenCommand::new),
            Map.entry("submit", SubmitCommand::new),
            Map.entry("run", RunCommand::new),
            Map.entry("jobs", JobsCommand::new),
            Map.entry("job", JobCommand::new),
            Map.entry("cancel", CancelCommand::new),
            Map.entry("config", ConfigCommand::new),
            Map.entry("exec", ExecCommand::new));

    /** Commands whose arguments, from the first that is not an option, belong to a command they run. */
    private static final java.util.Set<String> RUNS_A_COMMAND = java.util.Set.of("start", "submit", "run", "exec");

    /**
     * Takes a {@code --uri} given before the command ({@code canopy --uri local:///x uptime}) as if
     * it had followed it, for every command that talks to a broker.
     */
    private static String[] leadingUri(String[] args) {
        int skip;
        String uri;
        if (args.length >= 2 && args[0].equals("--uri")) {
            uri = args[1];
            skip = 2;
        } else if (args.length >= 1 && args[0].startsWith("--uri=")) {
            uri = args[0].substring("--uri=".length());
            skip = 1;
        } else {
            return args;
        }
        System.setProperty(ConnectionOptions.URI_PROPERTY, uri);
        return Arrays.copyOfRange(args, skip, args.length);
    }

    /** The hidden first argument that runs {@link #TRAINING} (scripts/train-cds). */
    static final String TRAIN_CDS = "--train-cds";

    /**
     * What {@code scripts/train-cds} runs in one JVM against a test instance (CANOPY_URI set), so
     * that the AppCDS archive dumped at its exit holds the classes of the everyday commands (the
     * client, picocli's model, Jackson), not only those of {@code uptime}.
     */
    static final List<String[]> TRAINING = List.of(
            new String[] {"uptime"}, new String[] {"resource", "status"}, new String[] {"resource", "drain"},
            new String[] {"resource", "info", "0"}, new String[] {"resource", "eventlog"},
            new String[] {"overlay", "status", "-v"}, new String[] {"config", "get"}, new String[] {"jobs", "-a"},
            new String[] {"submit", "true"}, new String[] {"submit", "--cc=1-2", "true"}, new String[] {"job", "info", "1"},
            new String[] {"cancel", "--all", "-n"}, new String[] {"exec", "-n", "true"}, new String[] {"dmesg"},
            new String[] {"ping", "broker"});

    private static int trainCds() {
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        java.io.PrintStream none = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
        System.setProperty("org.apache.logging.log4j.simplelog.level", "WARN");
        int failed = 0;
        for (String[] cmd : TRAINING) {
            System.setOut(none);
            System.setErr(none);
            int status;
            try {
                status = run(cmd);
            } finally {
                System.setOut(out);
                System.setErr(err);
            }
            if (status != 0) {
                err.println("train-cds: `canopy " + String.join(" ", cmd) + "` exited " + status);
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** Runs one command line and returns its exit status (for tests and {@link #main}). */
    public static int run(String... args) {
        args = leadingUri(args);
        CommandLine cli;
        String[] rest = args;
        if (args.length > 0 && COMMANDS.containsKey(args[0])) {
            cli = new CommandLine(COMMANDS.get(args[0]).get());
            cli.setCommandName("canopy " + args[0]);
            rest = Arrays.copyOfRange(args, 1, args.length);
            if (RUNS_A_COMMAND.contains(args[0])) {
                cli.setStopAtPositional(true); // `canopy start CMD -x ...`: everything from CMD on is CMD's
            }
        } else {
            cli = new CommandLine(new CanopyCommand());
            for (String c : RUNS_A_COMMAND) {
                cli.getSubcommands().get(c).setStopAtPositional(true);
            }
        }
        ErrorHandler handler = new ErrorHandler();
        cli.setExecutionExceptionHandler(handler);
        cli.setExitCodeExceptionMapper(handler);
        return cli.execute(rest);
    }
}
