package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every rank of the instance with its host and its status as the overlay reports it
 * ({@code online}, {@code torpid}, {@code lost}, {@code offline}). A rank whose parent (or any
 * ancestor) is lost or offline cannot be reached and counts as offline, whatever it last said.
 * Built from {@code overlay.topology}; updated from the leader's picture of the tree ({@link Monitor}).
 */
final class Inventory {
    private final List<String> hosts = new ArrayList<>();
    private final Map<String, Integer> rankByHost = new HashMap<>();
    private final int[] parent;
    private final String[] status;
    private final long[] since;

    Inventory(JsonNode topology) {
        int size = topology.path("size").asInt();
        parent = new int[size];
        status = new String[size];
        since = new long[size];
        java.util.Arrays.fill(parent, -1);
        long now = System.currentTimeMillis();
        for (JsonNode r : topology.path("ranks")) {
            int rank = r.path("rank").asInt();
            while (hosts.size() <= rank) {
                hosts.add(null);
            }
            hosts.set(rank, r.path("host").asText());
            rankByHost.put(r.path("host").asText(), rank);
            for (JsonNode c : r.path("children")) {
                parent[c.asInt()] = rank;
            }
        }
        for (int r = 0; r < size; r++) {
            status[r] = r == 0 ? "online" : "offline";
            since[r] = now;
        }
    }

    int size() {
        return status.length;
    }

    String host(int rank) {
        return hosts.get(rank);
    }

    List<String> hosts() {
        return hosts;
    }

    Integer rankOf(String host) {
        return rankByHost.get(host);
    }

    /** Records what a parent reported about {@code rank}; returns false when nothing changed. */
    boolean report(int rank, String newStatus) {
        if (rank < 0 || rank >= status.length || status[rank].equals(newStatus)) {
            return false;
        }
        status[rank] = newStatus;
        since[rank] = System.currentTimeMillis();
        return true;
    }

    /** The rank's own status, as last reported. */
    String status(int rank) {
        return status[rank];
    }

    /** The status to act on: the rank's own, or offline when the way to it is broken. */
    String effective(int rank) {
        for (int a = parent[rank]; a >= 0; a = parent[a]) {
            if (status[a].equals("lost") || status[a].equals("offline")) {
                return "offline";
            }
        }
        return status[rank];
    }

    /** The rank's parent, or -1 for the leader. */
    int parent(int rank) {
        return parent[rank];
    }

    long since(int rank) {
        return since[rank];
    }
}
