package io.canopy.tools.cli;

import io.canopy.module.RpcException;
import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.ParseResult;

/**
 * Turns what a command throws into one {@code canopy: ...} line on stderr and an exit status:
 * 1 for errors from the broker or the connection, 2 for bad usage.
 */
public final class ErrorHandler implements IExecutionExceptionHandler, IExitCodeExceptionMapper {
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
        cli.getErr().println("canopy: " + message(e));
        cli.getErr().flush();
        return getExitCode(e);
    }

    @Override
    public int getExitCode(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof CommandLine.ParameterException ? USAGE : FAILURE;
    }

    static String message(Throwable e) {
        if (e instanceof RpcException r) {
            return r.getMessage();
        }
        if (e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof io.canopy.config.ConfigException) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return e.toString();
    }
}
