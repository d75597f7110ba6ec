package io.canopy.tests.jobs;

import static io.canopy.tests.jobs.JobCheck.ok;
import static io.canopy.tests.jobs.JobCheck.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.InstanceFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code [job-manager] inactive_limit} in system.toml decides how many inactive jobs the leader
 * keeps: with 3, five jobs that ended leave the newest three in {@code canopy jobs -a}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InactiveLimitTest {
    @Test
    void theLeaderKeepsAsManyInactiveJobsAsSystemTomlSays() throws Exception {
        try (InstanceFixture instance = InstanceFixture.start(2, 2, null, Duration.ofSeconds(3),
                "[job-manager]\ninactive_limit = 3\n")) {
            Cli owner = instance.cli();
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long id = submit(owner, "true");
                JobCheck.waitFor(owner, id);
                ids.add(id);
            }
            List<Long> kept = new ArrayList<>();
            for (JsonNode j : ok(owner, "jobs", "-a", "--json").json().path("jobs")) {
                kept.add(j.path("id").asLong());
            }
            assertEquals(List.of(ids.get(4), ids.get(3), ids.get(2)), kept, "the newest three, newest first");
        }
    }
}
