package io.trino.spi.exchange;

import io.airlift.slice.Slice;
import io.trino.spi.metrics.Metrics;

import java.io.Closeable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

public interface ExchangeSource
        extends Closeable
{
    CompletableFuture<Void> NOT_BLOCKED = CompletableFuture.completedFuture(null);

    void addSourceHandles(List<ExchangeSourceHandle> handles);

    void noMoreSourceHandles();

    void setOutputSelector(ExchangeSourceOutputSelector selector);

    CompletableFuture<Void> isBlocked();

    boolean isFinished();

    Slice read();

    long getMemoryUsage();

    default Optional<Metrics> getMetrics()
    {
        return Optional.empty();
    }

    @Override
    void close();
}
