package io.canopy.tests.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One broker process a test started by hand ({@link BrokerProcesses}): its host name, rundir
 * (socket {@code local}, log {@code broker.log}) and process.
 */
public record BrokerProcess(String host, Path rundir, Process process) {

    public Path socket() {
        return rundir.resolve("local");
    }

    public String uri() {
        return "local://" + socket();
    }

    /** {@code bin/canopy} talking to this broker. */
    public Cli cli() {
        return Cli.forUri(uri());
    }

    /** Everything the broker has logged so far. */
    public String log() {
        try {
            return Files.readString(rundir.resolve("broker.log"));
        } catch (IOException e) {
            return "(no log yet: " + e.getMessage() + ")";
        }
    }

    /** The last lines of its log, for assertion messages. */
    public String logTail() {
        String[] lines = log().split("\n");
        int from = Math.max(0, lines.length - 30);
        return host + " (" + rundir + ") log ends:\n" + String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
