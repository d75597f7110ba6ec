package io.canopy.module;

/** Receives events a module subscribed to, on the module thread. */
@FunctionalInterface
public interface EventHandler {
    void handle(Event event) throws Exception;
}
