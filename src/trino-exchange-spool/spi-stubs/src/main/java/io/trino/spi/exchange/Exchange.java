package io.trino.spi.exchange;

import io.trino.spi.metrics.Metrics;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;

public interface Exchange
        extends Closeable
{
    enum SourceHandlesDeliveryMode
    {
        STANDARD,
        EAGER
    }

    ExchangeId getId();

    ExchangeSinkHandle addSink(int taskPartitionId);

    void noMoreSinks();

    CompletableFuture<ExchangeSinkInstanceHandle> instantiateSink(ExchangeSinkHandle sinkHandle, int taskAttemptId);

    CompletableFuture<ExchangeSinkInstanceHandle> updateSinkInstanceHandle(ExchangeSinkHandle sinkHandle, int taskAttemptId);

    void sinkFinished(ExchangeSinkHandle sinkHandle, int taskAttemptId);

    void allRequiredSinksFinished();

    ExchangeSourceHandleSource getSourceHandles();

    default void setSourceHandlesDeliveryMode(SourceHandlesDeliveryMode sourceHandlesDeliveryMode) {}

    @Override
    void close();

    /** Added in Trino 480 as a default method; older engines never call it. */
    default Metrics getMetrics()
    {
        return Metrics.EMPTY;
    }
}
