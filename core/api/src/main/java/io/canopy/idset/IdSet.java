package io.canopy.idset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;

/**
 * An immutable set of non-negative ids, usually broker ranks, written the way Flux writes idsets:
 * {@code 0-3,7}. Operators name targets this way ({@code canopy resource drain 0-3,7}) and logs print
 * them, so the text form is part of the contract: {@link #parse} reads it and {@link #toString}
 * gives the canonical compressed form.
 *
 * <p>The set is held as sorted, disjoint, non-adjacent inclusive ranges, so a set of 10,000
 * consecutive ranks costs two ints. It never holds more than {@link #MAX_SIZE} ids.
 */
public final class IdSet {
    /** The most ids one set may hold; a larger set is almost certainly a typo. */
    public static final int MAX_SIZE = 1_000_000;
    /** The largest id a set may hold. */
    public static final int MAX_ID = Integer.MAX_VALUE - 1;

    private static final IdSet EMPTY = new IdSet(new int[0]);

    /** Pairs {@code lo0, hi0, lo1, hi1, ...}: sorted, disjoint, with gaps between them. */
    private final int[] ranges;
    private final int size;

    private IdSet(int[] ranges) {
        this.ranges = ranges;
        long n = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            n += (long) ranges[i + 1] - ranges[i] + 1;
        }
        if (n > MAX_SIZE) {
            throw new IllegalArgumentException("idset " + format(ranges) + " holds " + n
                    + " ids; the limit is " + MAX_SIZE);
        }
        this.size = (int) n;
    }

    /** The set with no ids. */
    public static IdSet empty() {
        return EMPTY;
    }

    /**
     * Reads an idset such as {@code 0-3,7}, {@code 5} or the empty string.
     *
     * @throws IllegalArgumentException saying what is wrong and showing a valid idset
     */
    public static IdSet parse(String text) {
        return IdSetParser.parse(text);
    }

    /** The set of the given ids; order and repeats do not matter. */
    public static IdSet of(int... ids) {
        int[] sorted = ids.clone();
        Arrays.sort(sorted);
        RangeBuilder b = new RangeBuilder();
        for (int id : sorted) {
            b.add(checkId(id), id);
        }
        return b.build();
    }

    /** The ids {@code lo..hi}, both included. */
    public static IdSet range(int lo, int hi) {
        checkId(lo);
        checkId(hi);
        if (lo > hi) {
            throw new IllegalArgumentException("range " + lo + "-" + hi + " runs backwards; write " + hi + "-" + lo);
        }
        return new IdSet(new int[] {lo, hi});
    }

    static IdSet ofRanges(List<int[]> unsorted) {
        List<int[]> sorted = new ArrayList<>(unsorted);
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        RangeBuilder b = new RangeBuilder();
        for (int[] r : sorted) {
            b.add(r[0], r[1]);
        }
        return b.build();
    }

    public boolean contains(int id) {
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (id < ranges[2 * mid]) {
                hi = mid - 1;
            } else if (id > ranges[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The smallest id. @throws NoSuchElementException if the set is empty */
    public int first() {
        if (isEmpty()) {
            throw new NoSuchElementException("the idset is empty");
        }
        return ranges[0];
    }

    /** The largest id. @throws NoSuchElementException if the set is empty */
    public int last() {
        if (isEmpty()) {
            throw new NoSuchElementException("the idset is empty");
        }
        return ranges[ranges.length - 1];
    }

    /** The ids in ascending order. */
    public IntStream stream() {
        return IntStream.range(0, ranges.length / 2)
                .flatMap(i -> IntStream.rangeClosed(ranges[2 * i], ranges[2 * i + 1]));
    }

    /** The ids in ascending order, as an immutable list. */
    public List<Integer> toList() {
        return stream().boxed().toList();
    }

    /** Ids in this set or in {@code other}. */
    public IdSet union(IdSet other) {
        List<int[]> all = new ArrayList<>(ranges.length / 2 + other.ranges.length / 2);
        addPairs(all, ranges);
        addPairs(all, other.ranges);
        return ofRanges(all);
    }

    /** Ids in this set but not in {@code other}. */
    public IdSet difference(IdSet other) {
        RangeBuilder b = new RangeBuilder();
        int j = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            long lo = ranges[i];
            long hi = ranges[i + 1];
            while (j < other.ranges.length && other.ranges[j + 1] < lo) {
                j += 2;
            }
            int k = j;
            while (lo <= hi && k < other.ranges.length && other.ranges[k] <= hi) {
                if (other.ranges[k] > lo) {
                    b.add((int) lo, other.ranges[k] - 1);
                }
                lo = Math.max(lo, (long) other.ranges[k + 1] + 1);
                k += 2;
            }
            if (lo <= hi) {
                b.add((int) lo, (int) hi);
            }
        }
        return b.build();
    }

    /** Ids in both sets. */
    public IdSet intersection(IdSet other) {
        return difference(difference(other));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdSet s && Arrays.equals(ranges, s.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }

    /** The canonical form: ascending, runs of two or more ids as {@code lo-hi}, e.g. {@code 0-3,7}. */
    @Override
    public String toString() {
        return format(ranges);
    }

    private static String format(int[] ranges) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ranges.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(ranges[i]);
            if (ranges[i + 1] != ranges[i]) {
                sb.append('-').append(ranges[i + 1]);
            }
        }
        return sb.toString();
    }

    private static void addPairs(List<int[]> out, int[] pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            out.add(new int[] {pairs[i], pairs[i + 1]});
        }
    }

    private static int checkId(int id) {
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException("id " + id + " is outside 0-" + MAX_ID);
        }
        return id;
    }

    /** Collects ranges given in ascending order of their low end, merging overlaps and neighbours. */
    private static final class RangeBuilder {
        private int[] out = new int[8];
        private int n;

        void add(int lo, int hi) {
            if (n > 0 && (long) lo <= (long) out[n - 1] + 1) {
                out[n - 1] = Math.max(out[n - 1], hi);
                return;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = lo;
            out[n++] = hi;
        }

        IdSet build() {
            return n == 0 ? EMPTY : new IdSet(Arrays.copyOf(out, n));
        }
    }
}
