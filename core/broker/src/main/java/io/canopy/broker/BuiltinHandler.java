package io.canopy.broker;

import io.canopy.message.Message;

/**
 * A service the broker itself answers on its own thread ({@code broker.*}, {@code module.*},
 * {@code event.*}). Must answer quickly; anything slow belongs in a module.
 */
@FunctionalInterface
interface BuiltinHandler {
    /**
     * Handles {@code request} (its route ends with the sender's hop) and answers through
     * {@code router.respond} now or later.
     */
    void handle(Message request) throws Exception;
}
