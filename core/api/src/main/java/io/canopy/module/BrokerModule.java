package io.canopy.module;

/**
 * A service module: the unit of function a broker loads and unloads at run time. This is the whole
 * plug-in boundary: a module is found through {@code META-INF/services/io.canopy.module.BrokerModule},
 * gets a {@link ModuleContext} in {@link #start}, and does everything else through it.
 *
 * <p>Every call into a module ({@code start}, {@code stop}, handlers, timers, RPC callbacks) runs on
 * that module's own thread, one at a time, so module code needs no locks. Handlers must not block:
 * never wait on an RPC future on the module thread, chain a callback instead.
 *
 * <p>A module that throws from {@code start}, a handler, a timer or a callback is unloaded with a
 * logged error; the broker lives on.
 */
public interface BrokerModule {

    /**
     * The module's name: unique in a broker, also the service it usually owns ({@code hello} serves
     * {@code hello.*}). Lower case letters, digits and {@code -}.
     */
    String name();

    /**
     * Registers handlers, subscriptions and timers and restores state from
     * {@link ModuleContext#checkpoint()}. The module is running when this returns.
     */
    void start(ModuleContext context) throws Exception;

    /**
     * Called on the module thread before unload or broker shutdown: save state into the checkpoint
     * and release resources. Handlers and timers are gone after it returns.
     */
    default void stop() throws Exception {}

    /**
     * Called on the module thread when {@code canopy config reload} changed the module's
     * configuration ({@code newConfig} is the whole new set of arguments). Apply what can change
     * at run time and return true: {@link ModuleContext#config()} then returns {@code newConfig}.
     * Return false (the default) when the module cannot change its configuration while it runs: it
     * keeps the old one until it is loaded again, and the broker says so. Throwing refuses the new
     * configuration: the module keeps the old one and the error is logged and reported.
     */
    default boolean reconfigure(ModuleConfig newConfig) throws Exception {
        return false;
    }
}
