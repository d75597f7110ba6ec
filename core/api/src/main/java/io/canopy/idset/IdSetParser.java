package io.canopy.idset;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the text form of an {@link IdSet}: comma-separated ids and inclusive ranges
 * ({@code 0-3,7}), optionally inside one pair of brackets ({@code [0-3,7]}) as Flux also accepts,
 * with blanks allowed around each element. Every error quotes the input and shows a valid idset.
 */
final class IdSetParser {
    private static final String EXAMPLE = " (write ids and ranges separated by commas, e.g. 0-3,7)";

    private IdSetParser() {}

    static IdSet parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("idset is missing" + EXAMPLE);
        }
        String body = text.strip();
        if (body.startsWith("[") && body.endsWith("]")) {
            body = body.substring(1, body.length() - 1).strip();
        }
        if (body.isEmpty()) {
            return IdSet.empty();
        }
        List<int[]> ranges = new ArrayList<>();
        long total = 0;
        for (String raw : body.split(",", -1)) {
            String element = raw.strip();
            int[] r = element(text, element);
            total += (long) r[1] - r[0] + 1;
            if (total > IdSet.MAX_SIZE) {
                throw bad(text, "it holds more than " + IdSet.MAX_SIZE + " ids, the most an idset may hold");
            }
            ranges.add(r);
        }
        return IdSet.ofRanges(ranges);
    }

    private static int[] element(String text, String element) {
        if (element.isEmpty()) {
            throw bad(text, "it has an empty element (two commas in a row, or a comma at an end)");
        }
        int dash = element.indexOf('-');
        if (dash == 0) {
            throw bad(text, "\"" + element + "\" is negative or lacks its first id; ids start at 0");
        }
        if (dash < 0) {
            int id = id(text, element);
            return new int[] {id, id};
        }
        String loText = element.substring(0, dash).strip();
        String hiText = element.substring(dash + 1).strip();
        if (hiText.isEmpty()) {
            throw bad(text, "range \"" + element + "\" lacks its last id");
        }
        int lo = id(text, loText);
        int hi = id(text, hiText);
        if (lo > hi) {
            throw bad(text, "range \"" + element + "\" runs backwards; write " + hi + "-" + lo);
        }
        return new int[] {lo, hi};
    }

    private static int id(String text, String digits) {
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(text, "\"" + digits + "\" is not a non-negative whole number");
        }
        String trimmed = digits.replaceFirst("^0+(?=.)", "");
        if (trimmed.length() > 10 || Long.parseLong(trimmed) > IdSet.MAX_ID) {
            throw bad(text, "id " + digits + " is larger than " + IdSet.MAX_ID);
        }
        return Integer.parseInt(trimmed);
    }

    private static IllegalArgumentException bad(String text, String problem) {
        return new IllegalArgumentException("invalid idset \"" + text + "\": " + problem + EXAMPLE);
    }
}
