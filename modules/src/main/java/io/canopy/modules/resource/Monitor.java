package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.idset.IdSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Which ranks are up, as the leader's broker sees the whole tree: its {@code overlay.members}
 * (asked once the inventory is known) and then the event of the same name, each a full picture as
 * {@code word -> idset} ({@code online}, {@code torpid}, {@code lost}, {@code offline}). Every
 * router reports its subtree up the tree, so this converges to the truth after any broker restarts,
 * the leader included, whereas the peer-status events a restarted leader misses are never sent
 * again. A rank changes status here only from such a picture; each change is handed to
 * {@code changed} (rank, new status). Used on the module thread only.
 */
final class Monitor {
    private static final List<String> WORDS = List.of("online", "torpid", "lost", "offline");

    private final BiConsumer<Integer, String> changed;
    private Inventory inventory;
    /** The latest picture that came before the inventory was known. */
    private JsonNode waiting;

    Monitor(BiConsumer<Integer, String> changed) {
        this.changed = changed;
    }

    /** The inventory is known: the picture that waited for it (if any) applies now. */
    void inventory(Inventory inv) {
        this.inventory = inv;
        if (waiting != null) {
            JsonNode w = waiting;
            waiting = null;
            apply(w);
        }
    }

    /** A picture of the whole tree: each rank it names takes the status it gives. */
    void apply(JsonNode members) {
        if (inventory == null) {
            waiting = members;
            return;
        }
        List<Integer> changes = new ArrayList<>();
        for (String word : WORDS) {
            IdSet ids;
            try {
                ids = IdSet.parse(members.path(word).asText(""));
            } catch (IllegalArgumentException e) {
                continue; // not an idset: the next picture will do
            }
            ids.stream().filter(r -> r < inventory.size()).forEach(r -> {
                if (inventory.report(r, word)) {
                    changes.add(r);
                }
            });
        }
        for (int r : changes) {
            changed.accept(r, inventory.status(r));
        }
    }
}
