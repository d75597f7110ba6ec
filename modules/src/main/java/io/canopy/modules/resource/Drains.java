package io.canopy.modules.resource;

import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Drain and undrain as flux-core's drain.c does them, over the persisted {@link DrainSet}: a target
 * that cannot be changed as asked makes the whole request fail with an error naming its hosts, and
 * nothing changes. Draining a node that is already drained fails with {@code EEXIST} in the default
 * mode; {@link DrainMode#UPDATE} leaves it as it is, {@link DrainMode#OVERWRITE} replaces its reason
 * and drainer but keeps when it was drained, {@link DrainMode#FORCE_OVERWRITE} replaces the time as
 * well. Excluded nodes are never drained ({@link Exclusions}).
 */
final class Drains {
    /** What a drain or undrain changed: the ranks, each with the record it had before (null: none). */
    record Change(List<Integer> ranks, Map<Integer, Drain> before) {}

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
     * Drains {@code targets} with {@code record}; commits before returning.
     *
     * @return the ranks whose drain record changed (empty when {@link DrainMode#UPDATE} found all drained)
     * @throws RpcException EINVAL for excluded targets, EEXIST for drained ones in the default mode,
     *                      or what committing failed with; nothing changed then
     */
    Change drain(Collection<Integer> targets, Drain record, DrainMode mode, Inventory inv) throws RpcException {
        return drain(targets, record, mode, inv, NONE);
    }

    /** As above, with the change recorded in {@code journal} in the same commit. */
    Change drain(Collection<Integer> targets, Drain record, DrainMode mode, Inventory inv, Journal journal)
            throws RpcException {
        excluded.refuseDrain(targets, inv);
        List<Integer> already = targets.stream().filter(r -> set.get(r) != null).toList();
        if (mode == DrainMode.FAIL && !already.isEmpty()) {
            throw new RpcException(Errno.EEXIST, Nodes.describe(already, inv) + " already drained"
                    + (already.size() == 1 ? " (" + reasonOf(set.get(already.get(0))) + ")" : "")
                    + "; nothing was changed");
        }
        List<Integer> changed = new ArrayList<>();
        Map<Integer, Drain> before = new java.util.TreeMap<>();
        Runnable[] undo = {() -> {}};
        set.update(d -> {
            for (int r : targets) {
                Drain old = d.get(r);
                Drain now = old == null || mode == DrainMode.FORCE_OVERWRITE ? record
                        : mode == DrainMode.OVERWRITE ? new Drain(record.reason(), record.userid(), record.user(), old.time())
                        : null;
                if (now != null) {
                    d.put(r, now);
                    changed.add(r);
                    before.put(r, old);
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
     * Undrains {@code targets}; commits before returning.
     *
     * @throws RpcException EINVAL naming the targets that are not drained; nothing changed then
     */
    Change undrain(Collection<Integer> targets, Inventory inv) throws RpcException {
        return undrain(targets, inv, NONE);
    }

    /** As above, with the change recorded in {@code journal} in the same commit. */
    Change undrain(Collection<Integer> targets, Inventory inv, Journal journal) throws RpcException {
        List<Integer> notDrained = targets.stream().filter(r -> set.get(r) == null).toList();
        if (!notDrained.isEmpty()) {
            throw new RpcException(Errno.EINVAL, Nodes.describe(notDrained, inv) + " not drained; nothing was changed");
        }
        Map<Integer, Drain> before = new java.util.TreeMap<>();
        targets.forEach(r -> before.put(r, set.get(r)));
        Change change = new Change(List.copyOf(targets), before);
        Runnable[] undo = {() -> {}};
        set.update(d -> targets.forEach(d::remove), () -> undo[0] = journal.stage(change), () -> undo[0].run());
        return change;
    }

    /**
     * Drops the drain of every excluded rank: a node that became excluded runs no jobs, and its
     * drain would only confuse (flux-core does the same). Returns what it dropped.
     */
    Change undrainExcluded(Journal journal) throws RpcException {
        List<Integer> hit = set.all().keySet().stream().filter(excluded::contains).toList();
        if (hit.isEmpty()) {
            return new Change(List.of(), Map.of());
        }
        Map<Integer, Drain> before = new java.util.TreeMap<>();
        hit.forEach(r -> before.put(r, set.get(r)));
        Change change = new Change(hit, before);
        Runnable[] undo = {() -> {}};
        set.update(d -> hit.forEach(d::remove), () -> undo[0] = journal.stage(change), () -> undo[0].run());
        return change;
    }

    private static String reasonOf(Drain d) {
        return d.reason().isEmpty() ? "no reason given" : "reason: " + d.reason();
    }
}
