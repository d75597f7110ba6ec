package io.canopy.broker;

import com.fasterxml.jackson.core.type.TypeReference;
import io.canopy.config.ConfigException;
import io.canopy.config.ConfigTables;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.Access;
import io.canopy.module.ModuleConfig;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running configuration, as {@code flux config get/reload} has it:
 * <ul>
 *   <li>{@code config.get} (user, answers before run): this broker's configuration in force
 *       ({@code {"file", "generation", "applied", "config":{table:{key:value}}}}).
 *   <li>{@code config.reload} (owner, leader only): reads the leader's file again. A file that is
 *       not valid is refused with its error and changes nothing. Otherwise what can change at run
 *       time ({@link ConfigTables#RUNTIME_TABLES}: exclude, drain policies, epilog, timeouts) is
 *       applied to the leader's modules, then sent to every broker in the event
 *       {@code config.update}, which each applies to its modules ({@code BrokerModule.reconfigure}).
 *       The answer lists the keys applied, those that take effect only at the next start, and
 *       what each of the leader's modules did with its new configuration.
 * </ul>
 * Like flux-core's followers, which take the leader's configuration, every broker applies the
 * leader's file: the file on each node matters only when that broker starts.
 */
final class ConfigServices {
    private static final Logger LOG = LogManager.getLogger(ConfigServices.class);
    private static final TypeReference<Map<String, Object>> TABLES = new TypeReference<>() {};
    private static final TypeReference<Map<String, Map<String, String>>> ARGS = new TypeReference<>() {};

    private final BrokerContext ctx;
    private ConfigSource source;
    private Map<String, Object> running = Map.of();
    private long generation;
    private Instant applied = Instant.now();

    ConfigServices(BrokerContext ctx) {
        this.ctx = ctx;
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("config.get", Access.USER, true, this::get);
        registry.addBuiltin("config.reload", Access.OWNER, false, this::reload);
        ctx.rpc().onEvent("config.update", this::onUpdate);
        ctx.router().subscriptions().add(ctx.rpc(), "config.");
    }

    /** The file this broker was started with and what it said then. */
    void use(ConfigSource from, ConfigSource.Loaded loaded) {
        this.source = from;
        this.running = loaded.tables();
        this.applied = Instant.now();
    }

    /** The configuration in force, for other built-in services. */
    Map<String, Object> running() {
        return running;
    }

    private void get(Message req) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", source == null ? null : source.file().toString());
        out.put("generation", generation);
        out.put("applied", applied.toEpochMilli() / 1000.0);
        out.put("config", running);
        ctx.router().respond(req.response(Payloads.encode(out)));
    }

    private void reload(Message req) throws RpcException {
        if (ctx.config().rank() != 0) {
            throw new RpcException(Errno.EINVAL, "config reload is done by the leader (rank 0), which sends the "
                    + "result to every broker; send it to rank 0 (canopy config reload does)");
        }
        if (source == null) {
            throw new RpcException(Errno.EINVAL, "this broker was started without --config: there is no file to "
                    + "read again");
        }
        ConfigSource.Loaded fresh;
        try {
            fresh = source.load();
        } catch (ConfigException e) {
            LOG.error("config reload refused, the configuration in force is kept: {}", e.getMessage());
            throw new RpcException(Errno.EINVAL, e.getMessage() + "; nothing was changed: the configuration in "
                    + "force is kept");
        }
        ConfigTables.Changes changes = ConfigTables.changes(running, fresh.tables());
        long next = generation + 1;
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("generation", next);
        update.put("file", source.file().toString());
        update.put("config", ConfigTables.applyRuntime(running, fresh.tables()));
        update.put("moduleArgs", fresh.moduleArgs());
        update.put("applied", changes.applied());
        apply(update, modules -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("generation", next);
            out.put("file", source.file().toString());
            out.put("applied", changes.applied());
            out.put("restart", changes.restart());
            out.put("modules", modules);
            out.put("brokers", ctx.config().size());
            ctx.router().publish(Message.event("config.update", Payloads.encode(update))
                    .withCredentials(ctx.config().ownerUid(), Role.OWNER));
            ctx.router().respond(req.response(Payloads.encode(out)));
        });
        if (!changes.restart().isEmpty()) {
            LOG.warn("config reload: {} changed in {} but take(s) effect only when the brokers start again",
                    String.join(", ", changes.restart()), source.file());
        }
    }

    private void onUpdate(Message event) {
        Map<String, Object> update;
        try {
            update = Payloads.mapper().readValue(event.payload(), TABLES);
        } catch (java.io.IOException e) {
            LOG.error("unreadable config.update event: {}", e.getMessage());
            return;
        }
        long gen = ((Number) update.getOrDefault("generation", 0L)).longValue();
        if (gen <= generation) {
            return; // the leader applied it before publishing; or an old one
        }
        apply(update, modules -> {});
    }

    /**
     * Puts a new configuration in force on this broker: the tables, and each loaded module's new
     * arguments; {@code then} gets, on the broker thread, what each module did.
     */
    private void apply(Map<String, Object> update, java.util.function.Consumer<Map<String, String>> then) {
        Map<String, Object> tables = Payloads.mapper().convertValue(update.get("config"), TABLES);
        Map<String, Map<String, String>> args = Payloads.mapper().convertValue(update.get("moduleArgs"), ARGS);
        long gen = ((Number) update.get("generation")).longValue();
        generation = gen;
        running = tables;
        applied = Instant.now();
        LOG.info("config generation {} from {} in force (changed: {})", gen, update.get("file"),
                update.get("applied") instanceof List<?> l && !l.isEmpty() ? l : "nothing");
        Map<String, String> outcome = new java.util.TreeMap<>();
        List<ModuleRunner> targets = new ArrayList<>();
        for (ModuleRunner m : ctx.modules().loaded()) {
            Map<String, String> a = args.get(m.name());
            if (a != null && !a.equals(m.config().values())) {
                targets.add(m);
            }
        }
        if (targets.isEmpty()) {
            then.accept(outcome);
            return;
        }
        int[] left = {targets.size()};
        for (ModuleRunner m : targets) {
            m.reconfigure(new ModuleConfig(args.get(m.name())), (result, error) -> ctx.execute(() -> {
                switch (result) {
                    case APPLIED -> outcome.put(m.name(), "applied");
                    case UNSUPPORTED -> {
                        outcome.put(m.name(), "kept its old configuration: it cannot change while it runs "
                                + "(remove and load the module again, or restart the broker)");
                        LOG.warn("module {} {}", m.name(), outcome.get(m.name()));
                    }
                    case REFUSED -> {
                        outcome.put(m.name(), "refused: " + error);
                        LOG.error("module {} refused its new configuration: {}", m.name(), error);
                    }
                }
                if (--left[0] == 0) {
                    then.accept(outcome);
                }
            }));
        }
    }
}
