package io.canopy.tools.docs;

import io.canopy.tools.cli.CanopyCommand;
import io.canopy.tools.cli.VersionProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes what the RPM ships beside the jar, made from the CLI itself: man pages
 * ({@code OUT/man1/*.1}) and a bash completion script ({@code OUT/bash-completion/canopy}).
 * Usage: {@code java -cp canopy.jar io.canopy.tools.docs.DocGen OUT}.
 */
public final class DocGen {
    private DocGen() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: DocGen OUTPUT-DIRECTORY");
        }
        Path out = Path.of(args[0]);
        CommandLine top = new CommandLine(new CanopyCommand());
        String version = new VersionProvider().getVersion()[0].replaceFirst("^canopy\\s*", "");
        Map<String, String> pages = new ManPages(version, LocalDate.now().toString()).all(top);
        Path man = Files.createDirectories(out.resolve("man1"));
        for (Map.Entry<String, String> p : pages.entrySet()) {
            Files.writeString(man.resolve(p.getKey()), p.getValue());
        }
        Path completion = Files.createDirectories(out.resolve("bash-completion"));
        // sourced by bash-completion, never run: no #! line
        Files.writeString(completion.resolve("canopy"), AutoComplete.bash("canopy", top).replaceFirst("^#!.*\n", ""));
    }
}
