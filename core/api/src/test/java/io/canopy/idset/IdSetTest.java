package io.canopy.idset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdSetTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0-3,7        | 0-3,7",
        "5            | 5",
        "''           | ''",
        "'   '        | ''",
        "0 , 1 ,2     | 0-2",
        "' 0-3 , 7 '  | 0-3,7",
        "[0-3,7]      | 0-3,7",
        "[]           | ''",
        "7,0-3        | 0-3,7",
        "0-3,2-5      | 0-5",
        "1,1,1        | 1",
        "0-1          | 0-1",
        "0,1          | 0-1",
        "3,4,5,9,10   | 3-5,9-10",
        "007          | 7",
        "0 - 3        | 0-3",
        "2147483646   | 2147483646",
    })
    void parsesAndPrintsTheCanonicalForm(String text, String canonical) {
        assertEquals(canonical, IdSet.parse(text).toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0-          | lacks its last id",
        "3-1         | runs backwards; write 1-3",
        "a           | \"a\" is not a non-negative whole number",
        "1,,2        | empty element",
        "1,          | empty element",
        ",1          | empty element",
        "-1          | is negative",
        "99999999999 | is larger than",
        "2147483647  | is larger than",
        "1-2-3       | not a non-negative whole number",
        "1.5         | not a non-negative whole number",
        "0-1999999   | more than 1000000 ids",
    })
    void refusesBadTextSayingWhatIsWrongWithAnExample(String text, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdSet.parse(text));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("e.g. 0-3,7"), e.getMessage());
    }

    @Test
    void refusesNull() {
        assertThrows(IllegalArgumentException.class, () -> IdSet.parse(null));
    }

    @Test
    void answersMembershipAndSize() {
        IdSet s = IdSet.parse("0-3,7,10-12");
        assertEquals(8, s.size());
        for (int id : new int[] {0, 1, 2, 3, 7, 10, 11, 12}) {
            assertTrue(s.contains(id), "contains " + id);
        }
        for (int id : new int[] {-1, 4, 5, 6, 8, 9, 13, Integer.MAX_VALUE}) {
            assertFalse(s.contains(id), "does not contain " + id);
        }
        assertEquals(0, s.first());
        assertEquals(12, s.last());
        assertEquals(List.of(0, 1, 2, 3, 7, 10, 11, 12), s.toList());
        assertEquals(8, s.stream().count());
    }

    @Test
    void emptySetHasNoFirst() {
        IdSet e = IdSet.empty();
        assertTrue(e.isEmpty());
        assertEquals(0, e.size());
        assertEquals("", e.toString());
        assertEquals(List.of(), e.toList());
        assertFalse(e.contains(0));
        assertThrows(NoSuchElementException.class, e::first);
        assertThrows(NoSuchElementException.class, e::last);
        assertEquals(e, IdSet.parse(""));
        assertEquals(e, IdSet.of());
    }

    @Test
    void buildsFromIdsAndRanges() {
        assertEquals("0-3,7", IdSet.of(7, 3, 2, 1, 0, 3).toString());
        assertEquals("5-9", IdSet.range(5, 9).toString());
        assertEquals("5", IdSet.range(5, 5).toString());
        assertThrows(IllegalArgumentException.class, () -> IdSet.range(9, 5));
        assertThrows(IllegalArgumentException.class, () -> IdSet.range(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> IdSet.of(1, -2));
        assertThrows(IllegalArgumentException.class, () -> IdSet.of(Integer.MAX_VALUE));
    }

    @Test
    void capsTheNumberOfIds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdSet.range(0, IdSet.MAX_SIZE));
        assertTrue(e.getMessage().contains("limit is 1000000"), e.getMessage());
        assertEquals(IdSet.MAX_SIZE, IdSet.range(0, IdSet.MAX_SIZE - 1).size());
        assertThrows(IllegalArgumentException.class,
                () -> IdSet.range(0, 600_000).union(IdSet.range(700_000, 1_200_000)));
    }

    @Test
    void unionMergesOverlapsAndNeighbours() {
        assertEquals("0-7", IdSet.parse("0-3").union(IdSet.parse("4-7")).toString());
        assertEquals("0-3,5-9", IdSet.parse("0-3,7-9").union(IdSet.parse("5-6")).toString());
        assertEquals("0-9", IdSet.parse("0-3,7-9").union(IdSet.parse("2-8")).toString());
        assertEquals("1,3", IdSet.parse("1").union(IdSet.parse("3")).toString());
        assertEquals("1", IdSet.parse("1").union(IdSet.empty()).toString());
    }

    @Test
    void differenceRemovesIds() {
        assertEquals("0-1,4-5", IdSet.parse("0-5").difference(IdSet.parse("2-3")).toString());
        assertEquals("", IdSet.parse("0-5").difference(IdSet.parse("0-9")).toString());
        assertEquals("0-5", IdSet.parse("0-5").difference(IdSet.empty()).toString());
        assertEquals("0,2,4,6", IdSet.parse("0-6").difference(IdSet.parse("1,3,5")).toString());
        assertEquals("3,7-8", IdSet.parse("0-3,5-8").difference(IdSet.parse("0-2,4-6")).toString());
        assertEquals("10-12", IdSet.parse("0-2,10-12").difference(IdSet.parse("0-5")).toString());
        assertEquals("0-2", IdSet.parse("0-2,10-12").difference(IdSet.parse("9-20")).toString());
    }

    @Test
    void intersectionKeepsCommonIds() {
        assertEquals("2-3,7", IdSet.parse("0-3,7").intersection(IdSet.parse("2-9")).toString());
        assertEquals("", IdSet.parse("0-3").intersection(IdSet.parse("4-9")).toString());
    }

    @Test
    void setOperationsAgreeWithPlainSets() {
        java.util.Random rnd = new java.util.Random(42);
        for (int round = 0; round < 200; round++) {
            java.util.TreeSet<Integer> a = randomSet(rnd);
            java.util.TreeSet<Integer> b = randomSet(rnd);
            IdSet sa = IdSet.of(a.stream().mapToInt(Integer::intValue).toArray());
            IdSet sb = IdSet.of(b.stream().mapToInt(Integer::intValue).toArray());
            java.util.TreeSet<Integer> union = new java.util.TreeSet<>(a);
            union.addAll(b);
            java.util.TreeSet<Integer> diff = new java.util.TreeSet<>(a);
            diff.removeAll(b);
            assertEquals(List.copyOf(union), sa.union(sb).toList());
            assertEquals(List.copyOf(diff), sa.difference(sb).toList());
            assertEquals(sa, IdSet.parse(sa.toString()));
        }
    }

    @Test
    void equalSetsAreEqualWhateverTheirSpelling() {
        assertEquals(IdSet.parse("0,1,2,3"), IdSet.parse("0-3"));
        assertEquals(IdSet.parse("0,1,2,3").hashCode(), IdSet.parse("0-3").hashCode());
        assertNotEquals(IdSet.parse("0-3"), IdSet.parse("0-4"));
    }

    private static java.util.TreeSet<Integer> randomSet(java.util.Random rnd) {
        java.util.TreeSet<Integer> s = new java.util.TreeSet<>();
        int n = rnd.nextInt(20);
        for (int i = 0; i < n; i++) {
            s.add(rnd.nextInt(40));
        }
        return s;
    }
}
