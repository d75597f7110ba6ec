package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.module.Access;

/**
 * What a module runner may ask of its broker. Every method is safe to call from the module's
 * thread; the broker does the work on its own thread.
 */
interface BrokerLink {
    /** Routes a message the module sent. */
    void post(Endpoint from, Message message);

    /** Registers a topic for the module now (throws when another owner holds the service). */
    void serve(Endpoint module, String topic, Access access);

    /** Adds or removes an event subscription of the module. */
    void subscribe(Endpoint module, String prefix, boolean add);

    /** Reports that the module threw and must be unloaded. */
    void failed(ModuleRunner runner, Throwable cause);

    int rank();

    int size();

    int ownerUid();

    String hostname();

    String localUri();
}
