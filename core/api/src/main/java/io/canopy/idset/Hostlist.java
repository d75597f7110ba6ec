package io.canopy.idset;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hostlists as Slurm and Flux write them: {@code node[1-3,5]}, {@code mgmt0,login[1-2]},
 * {@code node[01-10]} (the lower bound's zero padding is kept). Configuration and drain targets use
 * them, so a cluster of thousands of nodes fits on one line.
 *
 * <p>Each comma-separated term holds at most one bracket group, with an optional prefix and suffix
 * ({@code rack1-node[1-4]-ib}). Order is kept as written, because a broker's rank is its position
 * in the expanded list, and a host may appear only once.
 */
public final class Hostlist {
    /** The most names one hostlist may expand to. */
    public static final int MAX_HOSTS = 1_000_000;

    private static final String EXAMPLE = " (e.g. node[1-3,5] or mgmt0,login[1-2])";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern NUMBER = Pattern.compile("\\d{1,18}");
    private static final Pattern LAST_NUMBER = Pattern.compile("^(.*?)(\\d{1,18})(\\D*)$");

    private Hostlist() {}

    /**
     * Expands a hostlist into its host names, in the order written.
     *
     * @throws IllegalArgumentException saying what is wrong, quoting the input, with an example
     */
    public static List<String> expand(String hostlist) {
        if (hostlist == null || hostlist.isBlank()) {
            throw bad(hostlist, "it is empty");
        }
        List<String> hosts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String term : splitTerms(hostlist)) {
            expandTerm(hostlist, term, hosts);
        }
        for (String h : hosts) {
            if (!seen.add(h)) {
                throw bad(hostlist, "host " + h + " appears more than once");
            }
        }
        return List.copyOf(hosts);
    }

    /**
     * The shortest hostlist that {@link #expand}s back to {@code hosts} in the same order: runs of
     * neighbouring names that differ only in their last number share one bracket group, and
     * consecutive numbers become ranges ({@code node1,node2,node3,node5} gives {@code node[1-3,5]}).
     *
     * @throws IllegalArgumentException if a name cannot appear in a hostlist or repeats
     */
    public static String compress(List<String> hosts) {
        Set<String> seen = new HashSet<>();
        List<String> terms = new ArrayList<>();
        Group group = null;
        for (String h : hosts) {
            if (h == null || !NAME.matcher(h).matches()) {
                throw new IllegalArgumentException("\"" + h + "\" cannot appear in a hostlist: a host name "
                        + "is letters, digits, '.', '_' and '-'");
            }
            if (!seen.add(h)) {
                throw new IllegalArgumentException("host " + h + " appears more than once in " + hosts);
            }
            Matcher m = LAST_NUMBER.matcher(h);
            if (!m.matches()) {
                if (group != null) {
                    terms.add(group.render());
                    group = null;
                }
                terms.add(h);
                continue;
            }
            if (group == null || !group.accepts(m.group(1), m.group(3))) {
                if (group != null) {
                    terms.add(group.render());
                }
                group = new Group(m.group(1), m.group(3));
            }
            group.add(m.group(2));
        }
        if (group != null) {
            terms.add(group.render());
        }
        return String.join(",", terms);
    }

    private static List<String> splitTerms(String hostlist) {
        List<String> terms = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < hostlist.length(); i++) {
            char c = hostlist.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                terms.add(hostlist.substring(start, i).strip());
                start = i + 1;
            }
        }
        terms.add(hostlist.substring(start).strip());
        return terms;
    }

    private static void expandTerm(String hostlist, String term, List<String> out) {
        if (term.isEmpty()) {
            throw bad(hostlist, "it has an empty entry (two commas in a row, or a comma at an end)");
        }
        int open = term.indexOf('[');
        int close = term.indexOf(']');
        if (open < 0 && close < 0) {
            out.add(checkName(hostlist, term));
            return;
        }
        if (open < 0 || (close >= 0 && close < open)) {
            throw bad(hostlist, "\"" + term + "\" has a ']' without a '[' before it");
        }
        if (close < 0) {
            throw bad(hostlist, "\"" + term + "\" has a '[' that is never closed");
        }
        String prefix = term.substring(0, open);
        String suffix = term.substring(close + 1);
        if (suffix.indexOf('[') < 0 && suffix.indexOf(']') >= 0) {
            throw bad(hostlist, "\"" + term + "\" has a ']' without a '[' before it");
        }
        if (suffix.indexOf('[') >= 0 || term.indexOf('[', open + 1) >= 0) {
            throw bad(hostlist, "\"" + term + "\" has more than one [...] group; write one group per "
                    + "name, e.g. rack1-node[1-4],rack2-node[1-4]");
        }
        if (!prefix.isEmpty()) {
            checkName(hostlist, prefix);
        }
        if (!suffix.isEmpty()) {
            checkName(hostlist, suffix);
        }
        String body = term.substring(open + 1, close);
        if (body.isBlank()) {
            throw bad(hostlist, "\"" + term + "\" has an empty [] group");
        }
        for (String raw : body.split(",", -1)) {
            expandRange(hostlist, term, raw.strip(), prefix, suffix, out);
        }
    }

    private static void expandRange(String hostlist, String term, String range, String prefix, String suffix,
            List<String> out) {
        if (range.isEmpty()) {
            throw bad(hostlist, "\"" + term + "\" has an empty element inside [...]");
        }
        int dash = range.indexOf('-');
        String loText = (dash < 0 ? range : range.substring(0, dash)).strip();
        String hiText = (dash < 0 ? range : range.substring(dash + 1)).strip();
        long lo = number(hostlist, term, loText);
        long hi = number(hostlist, term, hiText);
        if (lo > hi) {
            throw bad(hostlist, "range " + range + " in \"" + term + "\" runs backwards; write "
                    + hiText + "-" + loText);
        }
        if (out.size() + (hi - lo + 1) > MAX_HOSTS) {
            throw bad(hostlist, "it expands to more than " + MAX_HOSTS + " hosts");
        }
        int width = loText.length() > 1 && loText.charAt(0) == '0' ? loText.length() : 0;
        for (long n = lo; n <= hi; n++) {
            out.add(prefix + pad(n, width) + suffix);
        }
    }

    private static long number(String hostlist, String term, String digits) {
        if (!NUMBER.matcher(digits).matches()) {
            throw bad(hostlist, "\"" + digits + "\" in \"" + term + "\" is not a number; inside [...] write "
                    + "numbers and ranges such as 1-3,5");
        }
        return Long.parseLong(digits);
    }

    private static String checkName(String hostlist, String name) {
        if (!NAME.matcher(name).matches()) {
            throw bad(hostlist, "\"" + name + "\" is not a host name: use letters, digits, '.', '_' and '-'");
        }
        return name;
    }

    static String pad(long n, int width) {
        String s = Long.toString(n);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    private static IllegalArgumentException bad(String hostlist, String problem) {
        return new IllegalArgumentException("invalid hostlist \"" + hostlist + "\": " + problem + EXAMPLE);
    }

    /** Neighbouring names with one prefix and suffix, collected into one bracket group. */
    private static final class Group {
        private final String prefix;
        private final String suffix;
        private final List<String> runs = new ArrayList<>();
        private String first;
        private long lo;
        private long hi;
        private int width;

        Group(String prefix, String suffix) {
            this.prefix = prefix;
            this.suffix = suffix;
        }

        boolean accepts(String otherPrefix, String otherSuffix) {
            return prefix.equals(otherPrefix) && suffix.equals(otherSuffix);
        }

        void add(String digits) {
            long n = Long.parseLong(digits);
            if (first != null && n == hi + 1 && pad(n, width).equals(digits)) {
                hi = n;
                return;
            }
            endRun();
            first = digits;
            lo = n;
            hi = n;
            width = digits.length() > 1 && digits.charAt(0) == '0' ? digits.length() : 0;
        }

        private void endRun() {
            if (first != null) {
                runs.add(lo == hi ? first : first + "-" + pad(hi, width));
            }
        }

        String render() {
            endRun();
            first = null;
            String body = String.join(",", runs);
            boolean single = runs.size() == 1 && lo == hi;
            return prefix + (single ? body : "[" + body + "]") + suffix;
        }
    }
}
