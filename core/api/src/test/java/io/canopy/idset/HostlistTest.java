package io.canopy.idset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostlistTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "node[1-3,5]              | node1 node2 node3 node5",
        "mgmt0,login[1-2]         | mgmt0 login1 login2",
        "node[08-11]              | node08 node09 node10 node11",
        "node[001-3]              | node001 node002 node003",
        "node[1-2]-ib             | node1-ib node2-ib",
        "[1-2]                    | 1 2",
        "' node[1 - 2] , mgmt0 '  | node1 node2 mgmt0",
        "node[ 1, 3 ]             | node1 node3",
        "node5                    | node5",
        "node[5]                  | node5",
        "node[05]                 | node05",
        "node[3,1,2]              | node3 node1 node2",
        "b,a                      | b a",
        "node[9-10],node[08,7]    | node9 node10 node08 node7",
        "rack1.node[0-1]          | rack1.node0 rack1.node1",
        "my_host-0                | my_host-0",
    })
    void expandsInTheOrderWritten(String hostlist, String expected) {
        assertEquals(List.of(expected.split(" ")), Hostlist.expand(hostlist));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "node[3-1]           | runs backwards; write 1-3",
        "node[               | never closed",
        "node[1-2            | never closed",
        "node]1              | ']' without a '['",
        "node[1-2]]          | ']' without a '['",
        "node[a-b]           | \"a\" in \"node[a-b]\" is not a number",
        "node[1-]            | is not a number",
        "node[-1]            | is not a number",
        "node[]              | empty [] group",
        "node[1,,2]          | empty element inside",
        "''                  | it is empty",
        "'   '               | it is empty",
        "a,,b                | empty entry",
        "a,                  | empty entry",
        "rack[1-2]node[1-2]  | more than one [...] group",
        "node[1-2][3]        | more than one [...] group",
        "no de1              | is not a host name",
        "node%1              | is not a host name",
        "node[1-3],node2     | host node2 appears more than once",
        "a,b,a               | host a appears more than once",
        "node[1-9999999999]  | more than 1000000 hosts",
    })
    void refusesBadHostlistsSayingWhy(String hostlist, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hostlist.expand(hostlist));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("\"" + hostlist + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("e.g. node[1-3,5]"), e.getMessage());
    }

    @Test
    void refusesNull() {
        assertThrows(IllegalArgumentException.class, () -> Hostlist.expand(null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "node1 node2 node3 node5           | node[1-3,5]",
        "mgmt0 login1 login2               | mgmt0,login[1-2]",
        "node01 node02 node03 node10       | node[01-03,10]",
        "node08 node09 node10 node11       | node[08-11]",
        "node9 node10                      | node[9-10]",
        "node9 node010                     | node[9,010]",
        "node1 node01                      | node[1,01]",
        "node5                             | node5",
        "mgmt                              | mgmt",
        "a b                               | a,b",
        "node3 node1 node2                 | node[3,1-2]",
        "node1 mgmt0 node2                 | node1,mgmt0,node2",
        "node1-ib node2-ib node3-ib        | node[1-3]-ib",
        "node1-ib node2-eth                | node1-ib,node2-eth",
        "n0 n1 n2 m0 m1                    | n[0-2],m[0-1]",
        "99 100 101                        | [99-101]",
    })
    void compressesToTheShortestFormKeepingOrderAndPadding(String hosts, String expected) {
        List<String> list = List.of(hosts.split(" "));
        assertEquals(expected, Hostlist.compress(list));
        assertEquals(list, Hostlist.expand(expected));
    }

    @Test
    void compressOfNothingIsEmpty() {
        assertEquals("", Hostlist.compress(List.of()));
    }

    @Test
    void compressRefusesNamesAHostlistCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Hostlist.compress(List.of("a,b")));
        assertThrows(IllegalArgumentException.class, () -> Hostlist.compress(List.of("a[1]")));
        assertThrows(IllegalArgumentException.class, () -> Hostlist.compress(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> Hostlist.compress(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> Hostlist.compress(Arrays.asList("a", null)));
    }

    @Test
    void largeListsRoundTrip() {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            hosts.add(String.format("node%05d", i));
        }
        hosts.add("login1");
        String compressed = Hostlist.compress(hosts);
        assertEquals("node[00001-10000],login1", compressed);
        assertEquals(hosts, Hostlist.expand(compressed));
    }
}
