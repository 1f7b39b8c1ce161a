package io.exchangespool.trino;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Futures handed out by {@code isBlocked()}: every caller gets its own, so cancelling one (which the
 * engine does) affects neither the others nor the sink or source. Callers create a waiter while
 * holding their own lock after finding they must wait, and wake everyone after changing that state
 * and releasing it, so no wake-up is lost and no engine callback runs under their lock.
 */
final class Waiters
{
    // guarded by this
    private final List<CompletableFuture<Void>> waiting = new ArrayList<>();

    synchronized CompletableFuture<Void> newWaiter()
    {
        // Cancelled waiters are dropped here rather than kept until the next wake-up.
        waiting.removeIf(CompletableFuture::isDone);
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        waiting.add(waiter);
        return waiter;
    }

    void wakeAll()
    {
        List<CompletableFuture<Void>> woken;
        synchronized (this) {
            if (waiting.isEmpty()) {
                return;
            }
            woken = List.copyOf(waiting);
            waiting.clear();
        }
        woken.forEach(waiter -> waiter.complete(null));
    }
}
