package io.canopy.modules.resource;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drain and undrain as flux-core's drain.c does them, over the persisted {@link DrainSet}, with an
 * owner for every drain ({@link DrainSource}): a target that cannot be changed as asked makes the
 * whole request fail with an error naming its hosts, and nothing changes. Draining a node that
 * already has a drain of the same source fails with {@code EEXIST} in the default mode;
 * {@link DrainMode#UPDATE} leaves it as it is, {@link DrainMode#OVERWRITE} replaces its reason and
 * drainer but keeps when it was drained, {@link DrainMode#FORCE_OVERWRITE} replaces the time as
 * well. A drain of another source is added beside the ones there. Excluded nodes are never
 * drained ({@link Exclusions}).
 */
final class Drains {
    /**
     * What a drain or undrain changed: the ranks, each with the drains it had before that the
     * change replaced or removed (empty: none).
     */
    record Change(List<Integer> ranks, Map<Integer, List<Drain>> before) {
        static final Change NONE = new Change(List.of(), Map.of());

        /** The reasons of what was replaced or removed, each once. */
        List<String> reasonsBefore() {
            return before.values().stream().flatMap(List::stream).map(Drain::reason).distinct().toList();
        }
    }

    /** Records a change in the eventlog (staged, committed with it); returns how to unstage it. */
    interface Journal {
        Runnable stage(Change change);
    }

    /** A journal that records nothing. */
    static final Journal NONE = c -> () -> {};

    private final DrainSet set;
    private final Exclusions excluded;

    Drains(DrainSet set, Exclusions excluded) {
        this.set = set;
        this.excluded = excluded;
    }

    /**
     * Drains {@code targets} with {@code record} (its source says whose drain it is); commits before
     * returning.
     *
     * @return the ranks whose drain of that source changed (empty when {@link DrainMode#UPDATE} found all drained)
     * @throws RpcException EINVAL for excluded targets, EEXIST for targets drained by the same source in the
     *                      default mode, or what committing failed with; nothing changed then
     */
    Change drain(Collection<Integer> targets, Drain record, DrainMode mode, Inventory inv) throws RpcException {
        return drain(targets, record, mode, inv, NONE);
    }

    /** As above, with the change recorded in {@code journal} in the same commit. */
    Change drain(Collection<Integer> targets, Drain record, DrainMode mode, Inventory inv, Journal journal)
            throws RpcException {
        excluded.refuseDrain(targets, inv);
        DrainSource source = DrainSource.of(record.source());
        List<Integer> already = targets.stream().filter(r -> set.get(r, source) != null).toList();
        if (mode == DrainMode.FAIL && !already.isEmpty()) {
            throw new RpcException(Errno.EEXIST, Nodes.describe(already, inv) + " already drained"
                    + (source == DrainSource.ADMIN ? "" : " (" + source.wire() + ")")
                    + (already.size() == 1 ? " (" + reasonOf(set.get(already.get(0), source)) + ")" : "")
                    + "; nothing was changed");
        }
        List<Integer> changed = new ArrayList<>();
        Map<Integer, List<Drain>> before = new TreeMap<>();
        Runnable[] undo = {() -> {}};
        set.update(d -> {
            for (int r : targets) {
                Drain old = set.get(r, source);
                Drain now = old == null || mode == DrainMode.FORCE_OVERWRITE ? record
                        : mode == DrainMode.OVERWRITE ? new Drain(record.reason(), record.userid(), record.user(), old.time(),
                                record.source())
                        : null;
                if (now != null) {
                    d.put(r, now);
                    changed.add(r);
                    before.put(r, old == null ? List.of() : List.of(old));
                }
            }
        }, () -> {
            if (!changed.isEmpty()) {
                undo[0] = journal.stage(new Change(changed, before));
            }
        }, () -> undo[0].run());
        return new Change(changed, before);
    }

    /**
     * Undrains {@code targets}: every drain they have ({@code source} null), or only the drain of
     * {@code source}; commits before returning.
     *
     * @throws RpcException EINVAL naming the targets that are not drained (by that source); nothing changed then
     */
    Change undrain(Collection<Integer> targets, DrainSource source, Inventory inv) throws RpcException {
        return undrain(targets, source, inv, NONE);
    }

    /** As above, with the change recorded in {@code journal} in the same commit. */
    Change undrain(Collection<Integer> targets, DrainSource source, Inventory inv, Journal journal) throws RpcException {
        List<Integer> notDrained = targets.stream()
                .filter(r -> source == null ? !set.isDrained(r) : set.get(r, source) == null).toList();
        if (!notDrained.isEmpty()) {
            String others = "";
            if (source != null && notDrained.size() == 1 && set.isDrained(notDrained.get(0))) {
                others = " (drained by " + String.join(", ", set.of(notDrained.get(0)).stream().map(Drain::source)
                        .toList()) + ")";
            }
            throw new RpcException(Errno.EINVAL, Nodes.describe(notDrained, inv) + " not drained"
                    + (source == null ? "" : " by " + source.wire()) + others + "; nothing was changed");
        }
        return remove(targets, source, journal);
    }

    /**
     * An automatic undrain: removes {@code source}'s drain from those of {@code targets} that have
     * one, and nothing else (an administrator's drain stays); commits before returning.
     */
    Change release(Collection<Integer> targets, DrainSource source, Journal journal) throws RpcException {
        List<Integer> hit = targets.stream().filter(r -> set.get(r, source) != null).toList();
        return hit.isEmpty() ? Change.NONE : remove(hit, source, journal);
    }

    private Change remove(Collection<Integer> targets, DrainSource source, Journal journal) throws RpcException {
        Map<Integer, List<Drain>> before = new TreeMap<>();
        for (int r : targets) {
            before.put(r, source == null ? set.of(r) : List.of(set.get(r, source)));
        }
        Change change = new Change(List.copyOf(targets), before);
        Runnable[] undo = {() -> {}};
        set.update(d -> targets.forEach(r -> {
            if (source == null) {
                d.clear(r);
            } else {
                d.remove(r, source.wire());
            }
        }), () -> undo[0] = journal.stage(change), () -> undo[0].run());
        return change;
    }

    /**
     * Drops every drain of every excluded rank: a node that became excluded runs no jobs, and its
     * drain would only confuse (flux-core does the same). Returns what it dropped.
     */
    Change undrainExcluded(Journal journal) throws RpcException {
        List<Integer> hit = set.all().keySet().stream().filter(excluded::contains).toList();
        return hit.isEmpty() ? Change.NONE : remove(hit, null, journal);
    }

    private static String reasonOf(Drain d) {
        return d.reason().isEmpty() ? "no reason given" : "reason: " + d.reason();
    }
}
