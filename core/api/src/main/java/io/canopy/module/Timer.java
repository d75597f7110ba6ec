package io.canopy.module;

/** A scheduled task of a module; cancel it to stop further runs. */
public interface Timer {
    /** Stops the timer; a run already started finishes. */
    void cancel();
}
