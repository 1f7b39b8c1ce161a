package io.trino.spi.exchange;

import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

public interface ExchangeSourceHandleSource
        extends Closeable
{
    CompletableFuture<ExchangeSourceHandleBatch> getNextBatch();

    @Override
    void close();

    record ExchangeSourceHandleBatch(List<ExchangeSourceHandle> handles, boolean lastBatch)
    {
        public ExchangeSourceHandleBatch
        {
            handles = List.copyOf(requireNonNull(handles, "handles is null"));
        }
    }
}
