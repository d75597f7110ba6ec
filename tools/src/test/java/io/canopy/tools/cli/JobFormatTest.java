package io.canopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the job commands show jobs and which exit status they take from them. */
class JobFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void statesAndResultsGetFluxsShortNames() throws Exception {
        assertEquals("R", JobFormat.status(json("{'state':'RUN'}")));
        assertEquals("S", JobFormat.status(json("{'state':'SCHED'}")));
        assertEquals("C", JobFormat.status(json("{'state':'CLEANUP'}")));
        assertEquals("CD", JobFormat.status(json("{'state':'INACTIVE','result':'COMPLETED'}")));
        assertEquals("F", JobFormat.status(json("{'state':'INACTIVE','result':'FAILED'}")));
        assertEquals("CA", JobFormat.status(json("{'state':'INACTIVE','result':'CANCELED'}")));
        assertEquals("E", JobFormat.status(json("{'state':'INACTIVE','result':'EXCEPTION'}")));
    }

    @Test
    void durationsReadLikeFluxs() {
        assertEquals("1.234s", JobFormat.duration(1.2341));
        assertEquals("2.5m", JobFormat.duration(150));
        assertEquals("1.5h", JobFormat.duration(5400));
        assertEquals("2.0d", JobFormat.duration(172800));
    }

    @Test
    void aRowShowsRunTimeAndNodesOnlyForJobsThatRan() throws Exception {
        JsonNode ran = json("{'id':42,'user':'alice','name':'sleep','state':'INACTIVE','result':'COMPLETED','ntasks':4,"
                + "'nnodes':2,'t_run':100.0,'t_inactive':103.5,'nodelist':'node[1-2]'}");
        JsonNode queued = json("{'id':43,'user':'bob','name':'a-very-long-job-name','state':'SCHED','ntasks':1,'nnodes':0,"
                + "'t_run':null,'nodelist':null}");

        assertEquals("      42 alice      sleep        CD      4      2   3.500s node[1-2]", JobFormat.row(ran, 200));
        assertEquals("      43 bob        a-very-long+ S       1      0", JobFormat.row(queued, 200));
        assertEquals("running for 5.000s", "running for " + JobFormat.runtime(json("{'t_run':100.0,'t_inactive':null}"), 105));
    }

    @Test
    void eventlogLinesCarryTheContextAsKeyValuePairs() throws Exception {
        assertEquals("1700000000.123000 alloc ranks=3-4 alloc={\"3\":1,\"4\":1}",
                JobFormat.eventLine(json("{'timestamp':1700000000.123,'name':'alloc','context':{'ranks':'3-4','alloc':{'3':1,'4':1}}}")));
        assertEquals("1.000000 exception type=cancel severity=0 note=\"canceled by alice\"",
                JobFormat.eventLine(json("{'timestamp':1,'name':'exception','context':{'type':'cancel','severity':0,'note':'canceled by alice'}}")));
    }

    @Test
    void theExitStatusIsTheJobsExitCodeOrOneWhenItNeverRan() throws Exception {
        assertEquals(0, JobFormat.exitStatus(json("{'result':'COMPLETED','exitcode':0}")));
        assertEquals(3, JobFormat.exitStatus(json("{'result':'FAILED','exitcode':3}")));
        assertEquals(143, JobFormat.exitStatus(json("{'result':'CANCELED','exitcode':143}")));
        assertEquals(1, JobFormat.exitStatus(json("{'result':'EXCEPTION','exitcode':null}")));
        assertNull(JobFormat.trouble(json("{'id':1,'result':'COMPLETED'}")));
        String t = JobFormat.trouble(json("{'id':7,'result':'EXCEPTION','exceptions':[{'type':'x','severity':1,'note':'n'},"
                + "{'type':'node-failure','severity':0,'note':'test3 (rank 3) was lost'}]}"));
        assertEquals("job 7 EXCEPTION: node-failure: test3 (rank 3) was lost", t);
    }

    @Test
    void drainWaitCountsDrainedNodesAndNamesTheOnesStillBusy() throws Exception {
        JsonNode status = json("{'nodes':[{'rank':1,'host':'node1','drain':{'state':'drained'}},"
                + "{'rank':2,'host':'node2','jobids':[7],'drain':{'state':'draining'}},{'rank':3,'host':'node3','drain':null},"
                + "{'rank':4,'host':'node4','jobids':[8,9],'drain':{'state':'draining'}}]}");

        DrainWait.Progress p = DrainWait.progress(status, Set.of(1, 2, 4));

        assertEquals("draining node[1-2,4]: 1 of 3 drained; waiting on node2 (job 7), node4 (jobs 8,9)", p.line());
        assertTrue(DrainWait.progress(status, Set.of(1)).waiting().isEmpty());
    }
}
