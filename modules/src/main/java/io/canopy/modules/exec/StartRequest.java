package io.canopy.modules.exec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/** The body of {@code job-exec.start}: the part of a job this node runs. */
@JsonIgnoreProperties(ignoreUnknown = true)
record StartRequest(long id, int userid, List<String> command, String cwd, Map<String, String> env, List<Integer> tasks,
        int ntasks, int nnodes, String output, String error) {
    StartRequest {
        command = command == null ? List.of() : command;
        env = env == null ? Map.of() : env;
        tasks = tasks == null ? List.of() : tasks;
    }
}
