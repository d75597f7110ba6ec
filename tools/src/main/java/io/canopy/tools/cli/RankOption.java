package io.canopy.tools.cli;

import io.canopy.message.NodeId;

/** Parses {@code --rank}: a rank number, {@code any} or {@code upstream}. */
final class RankOption {
    private RankOption() {}

    static int parse(String text) {
        if (text == null || text.equals("any")) {
            return NodeId.ANY;
        }
        if (text.equals("upstream")) {
            return NodeId.UPSTREAM;
        }
        try {
            int r = Integer.parseInt(text);
            if (r < 0) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--rank " + text + " is not a rank: give a number 0..size-1, any or upstream");
        }
    }
}
