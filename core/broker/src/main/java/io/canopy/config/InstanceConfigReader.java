package io.canopy.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads TOML text into an {@link InstanceConfig}, table by table, refusing tables it does not know.
 * The parsing order matters: the host list needs {@code [bootstrap]}'s defaults and
 * {@code tbon.fanout}, and {@code broker.quorum} needs the number of hosts.
 */
final class InstanceConfigReader {
    static final List<String> TABLES = List.of("bootstrap", "tbon", "broker", "resource", "job-exec", "metrics",
            "job-manager");

    private static final TomlMapper MAPPER = new TomlMapper();

    private InstanceConfigReader() {}

    static InstanceConfig read(String text, Path file) throws ConfigException {
        try {
            return readTables(text, file);
        } catch (ConfigException e) {
            throw TomlLines.of(text).locate(e);
        }
    }

    private static InstanceConfig readTables(String text, Path file) throws ConfigException {
        TomlTable root = new TomlTable(file, "", tree(text, file));
        root.allowOnly(TABLES);
        TomlTable bootstrapTable = root.table("bootstrap");
        Bootstrap bootstrap = Bootstrap.read(bootstrapTable);
        Tbon tbon = Tbon.read(root.table("tbon"));
        List<Host> hosts = HostsReader.read(bootstrapTable, bootstrap, tbon.fanout());
        BrokerSection broker = BrokerSection.read(root.table("broker"), hosts.size());
        Resource resource = Resource.read(root.table("resource"), hosts);
        JobExec jobExec = JobExec.read(root.table("job-exec"));
        resource.checkWith(jobExec, root.table("resource"));
        Metrics metrics = Metrics.read(root.table("metrics"));
        JobManager jobManager = JobManager.read(root.table("job-manager"));
        return new InstanceConfig(file, hosts, bootstrap, tbon, broker, resource, jobExec, metrics, jobManager);
    }

    private static ObjectNode tree(String text, Path file) throws ConfigException {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new ConfigException(file, at == null ? 0 : at.getLineNr(), "", "not valid TOML: " + where
                    + e.getOriginalMessage(), "correct the TOML syntax (strings in double quotes, one key per line, "
                    + "tables as [name])", e);
        }
        if (node == null || node.isMissingNode()) {
            return MAPPER.createObjectNode();
        }
        if (!(node instanceof ObjectNode o)) {
            throw new ConfigException(file, "", "not a TOML document", "write tables such as [bootstrap]");
        }
        return o;
    }
}
