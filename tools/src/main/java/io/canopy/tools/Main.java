package io.canopy.tools;

import io.canopy.tools.cli.CanopyCommand;
import io.canopy.tools.cli.ErrorHandler;
import picocli.CommandLine;

/**
 * Entry point of the {@code canopy} command. Client commands use Log4j's simple logger (warnings
 * to stderr) so they start fast; only a broker process loads the full logging back end.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0 || !args[0].equals("broker")) {
            System.setProperty("log4j2.loggerContextFactory",
                    "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
            System.setProperty("org.apache.logging.log4j.simplelog.StatusLogger.level", "OFF");
            System.setProperty("org.apache.logging.log4j.simplelog.level", "WARN");
            System.setProperty("org.apache.logging.log4j.simplelog.logFile", "system.err");
        }
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit status (for tests and {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new CanopyCommand());
        ErrorHandler handler = new ErrorHandler();
        cli.setExecutionExceptionHandler(handler);
        cli.setExitCodeExceptionMapper(handler);
        // `canopy start CMD -x ...`: everything from CMD on belongs to CMD.
        cli.getSubcommands().get("start").setStopAtPositional(true);
        return cli.execute(args);
    }
}
