package io.canopy.tools.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Man pages (troff, section 1) made from the CLI's own picocli model: one page per command and
 * subcommand ({@code canopy-resource-drain.1}), so what {@code man} says is what {@code --help}
 * says.
 */
public final class ManPages {
    private final String version;
    private final String date;

    public ManPages(String version, String date) {
        this.version = version;
        this.date = date;
    }

    /** Every page of the tree under {@code top}: file name to troff text. */
    public Map<String, String> all(CommandLine top) {
        Map<String, String> pages = new java.util.TreeMap<>();
        add(top, pages);
        return pages;
    }

    private void add(CommandLine cmd, Map<String, String> pages) {
        if (cmd.getCommandSpec().usageMessage().hidden() || cmd.getCommandName().equals("help")) {
            return;
        }
        pages.put(pageName(cmd.getCommandSpec()) + ".1", page(cmd));
        for (CommandLine sub : cmd.getSubcommands().values()) {
            add(sub, pages);
        }
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** The troff page of one command. */
    String page(CommandLine cmd) {
        CommandSpec spec = cmd.getCommandSpec();
        String name = pageName(spec);
        StringBuilder b = new StringBuilder();
        b.append(".TH ").append(name.toUpperCase()).append(" 1 \"").append(date).append("\" \"canopy ")
                .append(version).append("\" \"Canopy Manual\"\n");
        b.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(firstSentence(spec))).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n")
                .append(escape(new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                        .synopsis(0).strip()))
                .append("\n.fi\n");
        b.append(".SH DESCRIPTION\n").append(escape(String.join(" ", spec.usageMessage().description()))).append('\n');
        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                b.append(".TP\n.I ").append(escape(p.paramLabel())).append('\n')
                        .append(escape(String.join(" ", p.description()))).append('\n');
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                String label = o.arity().max > 0 ? " " + o.paramLabel() : "";
                b.append(".TP\n.B ").append(escape(String.join(", ", o.names()) + label)).append('\n')
                        .append(escape(String.join(" ", o.description()))).append('\n');
            }
        }
        List<String> subs = new ArrayList<>();
        cmd.getSubcommands().forEach((n, c) -> {
            if (!n.equals("help") && !c.getCommandSpec().usageMessage().hidden()) {
                subs.add(n);
            }
        });
        if (!subs.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (String n : subs) {
                CommandLine c = cmd.getSubcommands().get(n);
                b.append(".TP\n.B ").append(escape(n)).append('\n').append(escape(firstSentence(c.getCommandSpec())))
                        .append(" See \\fB").append(escape(pageName(c.getCommandSpec()))).append("\\fR(1).\n");
            }
        }
        b.append(".SH SEE ALSO\n");
        b.append(spec.parent() == null ? "The administrator's guide, /usr/share/doc/canopy/admin-guide.md.\n"
                : "\\fB" + escape(pageName(spec.parent())) + "\\fR(1)\n");
        return b.toString();
    }

    private static String firstSentence(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        String all = d.length == 0 ? spec.name() : String.join(" ", d);
        int dot = all.indexOf(". ");
        return dot > 0 ? all.substring(0, dot + 1) : all;
    }

    /** troff-safe text: backslashes, hyphens and lines starting with a dot or quote. */
    static String escape(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder out = new StringBuilder();
        for (String line : e.split("\n", -1)) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line);
        }
        return out.toString();
    }
}
