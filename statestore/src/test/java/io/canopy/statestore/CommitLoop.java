package io.canopy.statestore;

import io.canopy.module.Checkpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A leader's state store under load, in its own JVM so a test can kill it with SIGKILL: commits
 * {@code BASELINE} job records at once, prints {@code ready}, then commits one record at a time
 * and prints each number once its commit has returned, until it is killed.
 */
public final class CommitLoop {
    static final int BASELINE = 1_000;

    private CommitLoop() {}

    public static void main(String[] args) throws Exception {
        Path statedir = Path.of(args[0]);
        int first = Integer.parseInt(args[1]);
        DurableStore store = DurableStore.open(statedir);
        Checkpoint jobs = store.area("jobs");
        if (first == 0) {
            for (int i = 0; i < BASELINE; i++) {
                jobs.putBytes("baseline-" + i, record(i));
            }
            jobs.commit();
        }
        System.out.println("ready");
        for (int i = first; ; i++) {
            jobs.putBytes("job-" + i, record(i));
            jobs.put("last", i);
            jobs.commit();
            System.out.println(i);
        }
    }

    /** A job-sized record whose contents say which it is. */
    static byte[] record(int i) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 200) {
            sb.append("job ").append(i).append(';');
        }
        return sb.substring(0, 200).getBytes(StandardCharsets.UTF_8);
    }
}
