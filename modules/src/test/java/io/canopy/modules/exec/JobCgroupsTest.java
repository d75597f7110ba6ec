package io.canopy.modules.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker finds its job cgroups where canopy-launch makes them (the launcher's own cgroups). */
class JobCgroupsTest {

    @Test
    void aHybridHostGivesV2AndTheLaunchersV1Controllers() {
        List<String> mountinfo = List.of(
                "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
                "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
                "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
                "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime shared:9 - cgroup cgroup rw,freezer",
                "40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
        List<String> cgroup = List.of(
                "6:freezer:/", "5:devices:/system.slice", "4:memory:/system.slice/canopy.service",
                "2:cpu,cpuacct:/system.slice/canopy.service", "0::/system.slice/canopy.service");
        Map<String, Path> own = JobCgroups.own(mountinfo, cgroup);
        assertEquals(Map.of(
                "freezer", Path.of("/sys/fs/cgroup/freezer"),
                "memory", Path.of("/sys/fs/cgroup/memory/system.slice/canopy.service"),
                "cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct/system.slice/canopy.service"),
                "v2", Path.of("/sys/fs/cgroup/unified/system.slice/canopy.service")), own);
    }

    @Test
    void aContainerSeesOnlyThePartOfTheHierarchyMountedForIt() {
        List<String> mountinfo = List.of(
                "50 40 0:30 /kubepods/pod1 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw");
        assertEquals(Map.of("v2", Path.of("/sys/fs/cgroup/canopy")),
                JobCgroups.own(mountinfo, List.of("0::/kubepods/pod1/canopy")));
        assertEquals(Map.of("v2", Path.of("/sys/fs/cgroup")),
                JobCgroups.own(mountinfo, List.of("0::/kubepods/pod1")));
        assertEquals(Map.of(), JobCgroups.own(mountinfo, List.of("0::/kubepods/pod12/canopy")),
                "a cgroup outside the mounted part (a prefix of its name is not its parent)");
    }

    @Test
    void withoutCgroupsThereIsNothingToLookAt() {
        List<String> mountinfo = List.of("22 1 0:21 / /sys rw - sysfs sysfs rw", "garbage", "");
        Map<String, Path> own = JobCgroups.own(mountinfo, List.of("0::/", "nonsense"));
        assertEquals(Map.of(), own);
        assertFalse(JobCgroups.anyLeft(own, "test0-12ab34cd"));
        assertEquals("none", JobCgroups.describe(own));
    }

    @Test
    void onlyAJobsCgroupOfThisScopeIsALeftover(@TempDir Path dir) throws IOException {
        Path v1 = Files.createDirectories(dir.resolve("memory"));
        Path v2 = Files.createDirectories(dir.resolve("unified"));
        Map<String, Path> own = Map.of("memory", v1, "v2", v2);
        assertFalse(JobCgroups.anyLeft(own, "test3-0a0b0c0d"), "no scope directory at all");

        Files.createDirectories(v2.resolve("canopy-test3-0a0b0c0d"));
        Files.createDirectories(v2.resolve("canopy-test4-0a0b0c0d/job-17"));
        assertFalse(JobCgroups.anyLeft(own, "test3-0a0b0c0d"), "an empty scope, and another broker's job");

        Files.createDirectories(v1.resolve("canopy-test3-0a0b0c0d/job-42"));
        assertTrue(JobCgroups.anyLeft(own, "test3-0a0b0c0d"));
        assertEquals("memory=" + v1 + " v2=" + v2, JobCgroups.describe(new java.util.TreeMap<>(own)));
    }
}
