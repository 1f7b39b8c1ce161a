package io.trino.spi.exchange;

import io.airlift.slice.Slice;
import io.trino.spi.metrics.Metrics;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

public interface ExchangeSink
{
    CompletableFuture<Void> NOT_BLOCKED = CompletableFuture.completedFuture(null);

    boolean isHandleUpdateRequired();

    void updateHandle(ExchangeSinkInstanceHandle handle);

    CompletableFuture<Void> isBlocked();

    void add(int partitionId, Slice data);

    long getMemoryUsage();

    default Optional<Metrics> getMetrics()
    {
        return Optional.empty();
    }

    CompletableFuture<Void> finish();

    CompletableFuture<Void> abort();
}
