package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.module.BrokerModule;
import io.canopy.module.ModuleConfig;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Finds, loads and unloads modules: built-ins by name from the class path, others from a jar with
 * a class loader of their own. Refuses a second module of the same name. A module it loads is
 * attached to the router; one it unloads or that fails leaves no trace there (services,
 * subscriptions, its hop). Used only on the broker thread (module start and stop run on the
 * module's thread and report back to the broker thread).
 */
final class ModuleHost {
    private static final Logger LOG = LogManager.getLogger(ModuleHost.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    /** In load order: a shutdown stops them last loaded first (job-manager before the scheduler it asks). */
    private final Map<String, ModuleRunner> loaded = new LinkedHashMap<>();
    private final Map<String, URLClassLoader> loaders = new TreeMap<>();
    private final java.util.function.Supplier<CheckpointStore> checkpoints;
    private final Router router;
    private final BrokerLink link;
    private final Executor brokerThread;

    /**
     * {@code checkpoints} is asked at each load: a follower's store is replaced by what its parent
     * handed back. Modules talk to the broker through {@code link}; what they report back runs on
     * {@code brokerThread}.
     */
    ModuleHost(java.util.function.Supplier<CheckpointStore> checkpoints, Router router, BrokerLink link,
            Executor brokerThread) {
        this.checkpoints = checkpoints;
        this.router = router;
        this.link = link;
        this.brokerThread = brokerThread;
    }

    /** The modules in the order they were loaded. */
    Collection<ModuleRunner> loaded() {
        return List.copyOf(loaded.values());
    }

    ModuleRunner get(String name) {
        return loaded.get(name);
    }

    /** The names of the modules on the class path, for error messages and {@code module list -a}. */
    List<String> builtinNames() {
        List<String> names = new ArrayList<>();
        for (ServiceLoader.Provider<BrokerModule> p : ServiceLoader.load(BrokerModule.class, getClass().getClassLoader())
                .stream().toList()) {
            names.add(p.get().name());
        }
        names.sort(null);
        return names;
    }

    /**
     * Instantiates the module {@code spec} names: a path to a jar (anything with a {@code /} or
     * ending in {@code .jar}) or a built-in module's name.
     */
    Loaded instantiate(String spec) throws RpcException {
        if (spec.contains("/") || spec.endsWith(".jar")) {
            return fromJar(Path.of(spec).toAbsolutePath().normalize());
        }
        try {
            for (BrokerModule m : ServiceLoader.load(BrokerModule.class, getClass().getClassLoader())) {
                if (m.name().equals(spec)) {
                    return new Loaded(m, "built-in", null);
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new RpcException(Errno.EIO, "the class path has a broken module: " + e.getMessage());
        }
        throw new RpcException(Errno.ENOENT, "no built-in module named '" + spec + "' (built-ins: "
                + String.join(", ", builtinNames()) + "); to load another, give the path to its jar");
    }

    /** A module instance and where it came from. {@code loader} is null for built-ins. */
    record Loaded(BrokerModule module, String source, URLClassLoader loader) {}

    /** Registers and starts an instantiated module; {@code done} gets the runner or the failure. */
    void start(Loaded l, Map<String, String> args, BiConsumer<ModuleRunner, Throwable> done) throws RpcException {
        String name = l.module().name();
        if (name == null || !NAME.matcher(name).matches()) {
            closeQuietly(l.loader());
            throw new RpcException(Errno.EINVAL, "module name '" + name + "' from " + l.source()
                    + " is not valid: use lower case letters, digits and '-', starting with a letter");
        }
        if (loaded.containsKey(name)) {
            closeQuietly(l.loader());
            throw new RpcException(Errno.EEXIST, "module " + name + " is already loaded (from "
                    + loaded.get(name).source() + "); remove it first with `canopy module remove " + name + "`");
        }
        ModuleRunner runner = new ModuleRunner(l.module(), l.source(), new ModuleConfig(args),
                checkpoints.get().area(name), link);
        loaded.put(name, runner);
        if (l.loader() != null) {
            loaders.put(name, l.loader());
        }
        LOG.info("loading module {} from {}", name, l.source());
        router.attach(runner); // before start, so replies to RPCs sent from start() find it
        runner.start(failure -> done.accept(runner, failure));
    }

    /** Forgets every trace of a module that stopped or failed: services, subscriptions, its hop, its class loader. */
    void discard(ModuleRunner runner) {
        router.registry().removeOwner(runner.id());
        router.subscriptions().removeAll(runner.id());
        router.detach(runner.id());
        loaded.remove(runner.name());
        closeQuietly(loaders.remove(runner.name()));
    }

    /** Unregisters a module, stops it on its thread, and calls {@code then} on the broker thread. */
    void unload(ModuleRunner runner, Consumer<Throwable> then) {
        router.registry().removeOwner(runner.id());
        router.subscriptions().removeAll(runner.id());
        runner.stop(failure -> brokerThread.execute(() -> {
            if (failure != null) {
                LOG.error("module {} failed while stopping: {}", runner.name(), failure.toString());
            } else {
                LOG.info("module {} unloaded", runner.name());
            }
            discard(runner);
            then.accept(failure);
        }));
    }

    /** Stops every module, last loaded first (they checkpoint), then runs {@code then} on the broker thread. */
    void unloadAll(Runnable then) {
        unloadLast(new ArrayList<>(loaded.values()), then);
    }

    private void unloadLast(List<ModuleRunner> remaining, Runnable then) {
        if (remaining.isEmpty()) {
            then.run();
            return;
        }
        ModuleRunner runner = remaining.remove(remaining.size() - 1);
        unload(runner, failure -> unloadLast(remaining, then));
    }

    private Loaded fromJar(Path jar) throws RpcException {
        if (!Files.isRegularFile(jar)) {
            throw new RpcException(Errno.ENOENT, "module jar " + jar + " does not exist");
        }
        if (!Files.isReadable(jar)) {
            throw new RpcException(Errno.EPERM, "module jar " + jar + " is not readable by the broker");
        }
        URLClassLoader loader;
        try {
            loader = new URLClassLoader("module:" + jar.getFileName(), new URL[] {jar.toUri().toURL()},
                    getClass().getClassLoader());
        } catch (MalformedURLException e) {
            throw new RpcException(Errno.EINVAL, "cannot read module jar " + jar + ": " + e.getMessage());
        }
        List<BrokerModule> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<BrokerModule> p : ServiceLoader.load(BrokerModule.class, loader).stream().toList()) {
                if (p.type().getClassLoader() == loader) {
                    found.add(p.get());
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            closeQuietly(loader);
            throw new RpcException(Errno.EINVAL, "module jar " + jar + " is broken: " + e.getMessage());
        }
        if (found.size() != 1) {
            closeQuietly(loader);
            throw new RpcException(Errno.EINVAL, "module jar " + jar + " declares " + found.size()
                    + " modules in META-INF/services/" + BrokerModule.class.getName() + "; it must declare exactly one");
        }
        return new Loaded(found.get(0), jar.toString(), loader);
    }

    private static void closeQuietly(URLClassLoader loader) {
        if (loader == null) {
            return;
        }
        try {
            loader.close();
        } catch (IOException e) {
            LOG.debug("closing class loader {}: {}", loader.getName(), e.toString());
        }
    }
}
