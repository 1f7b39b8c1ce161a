package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.opentelemetry.api.trace.Span;
import io.trino.spi.QueryId;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeContext;
import io.trino.spi.exchange.ExchangeId;
import io.trino.spi.exchange.ExchangeManager;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceHandleSource.ExchangeSourceHandleBatch;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Drives the plugin through the SPI only, the way Trino's engine does. */
final class EngineDriver
{
    static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final AtomicInteger QUERIES = new AtomicInteger();

    private EngineDriver() {}

    static Exchange createExchange(ExchangeManager manager, int partitions, boolean preserveOrder)
    {
        return manager.createExchange(newContext(), partitions, preserveOrder);
    }

    static ExchangeContext newContext()
    {
        QueryId queryId = new QueryId("q" + ProcessHandle.current().pid() + "_" + QUERIES.incrementAndGet());
        ExchangeId exchangeId = ExchangeId.createRandomExchangeId();
        return new ExchangeContext()
        {
            @Override
            public QueryId getQueryId()
            {
                return queryId;
            }

            @Override
            public ExchangeId getExchangeId()
            {
                return exchangeId;
            }

            @Override
            public Span getParentSpan()
            {
                return null;
            }
        };
    }

    /** A page as the engine hands it over: a heap Slice. */
    record Page(int partition, Slice data) {}

    static List<Page> strings(Object... partitionAndText)
    {
        List<Page> pages = new ArrayList<>();
        for (int i = 0; i < partitionAndText.length; i += 2) {
            pages.add(new Page((Integer) partitionAndText[i], Slices.utf8Slice((String) partitionAndText[i + 1])));
        }
        return pages;
    }

    static ExchangeSink write(ExchangeManager manager, Exchange exchange, ExchangeSinkHandle sink, int attempt, List<Page> pages)
            throws Exception
    {
        ExchangeSink writer = manager.createSink(exchange.instantiateSink(sink, attempt).get());
        for (Page page : pages) {
            writer.add(page.partition(), page.data());
        }
        return writer;
    }

    static void writeAndFinish(ExchangeManager manager, Exchange exchange, ExchangeSinkHandle sink, int attempt, List<Page> pages)
            throws Exception
    {
        write(manager, exchange, sink, attempt, pages).finish().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    static void writeAndAbort(ExchangeManager manager, Exchange exchange, ExchangeSinkHandle sink, int attempt, List<Page> pages)
            throws Exception
    {
        write(manager, exchange, sink, attempt, pages).abort().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    static List<ExchangeSourceHandle> allHandles(Exchange exchange)
            throws Exception
    {
        List<ExchangeSourceHandle> handles = new ArrayList<>();
        var source = exchange.getSourceHandles();
        while (true) {
            ExchangeSourceHandleBatch batch = source.getNextBatch().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            handles.addAll(batch.handles());
            if (batch.lastBatch()) {
                return handles;
            }
        }
    }

    /**
     * The final selector the engine builds: each given (sink, attempt) pair of each exchange included
     * as its task finished, then, at the end, every other sink excluded, each exchange's partition
     * count (its number of sinks) set and the selector made final.
     */
    static ExchangeSourceOutputSelector finalSelector(Map<ExchangeId, int[][]> included, int sinkCount)
    {
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(included.keySet());
        included.forEach((exchangeId, pairs) -> {
            for (int[] pair : pairs) {
                builder.include(exchangeId, pair[0], pair[1]);
            }
        });
        included.forEach((exchangeId, pairs) -> {
            Set<Integer> decided = Arrays.stream(pairs).map(pair -> pair[0]).collect(Collectors.toSet());
            for (int sink = 0; sink < sinkCount; sink++) {
                if (!decided.contains(sink)) {
                    builder.exclude(exchangeId, sink);
                }
            }
            builder.setPartitionCount(exchangeId, sinkCount);
        });
        return builder.setFinal().build();
    }

    static ExchangeSourceOutputSelector finalSelector(Exchange exchange, int sinkCount, int[]... included)
    {
        return finalSelector(Map.of(exchange.getId(), included), sinkCount);
    }

    /**
     * Trino's reader loop: it never waits on isBlocked(); each turn reads, then adds one handle, and
     * once all are added calls noMoreSourceHandles() on every later turn.
     */
    static List<Slice> read(ExchangeSource source, List<ExchangeSourceHandle> handles)
            throws InterruptedException
    {
        List<Slice> pages = new ArrayList<>();
        int next = 0;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!source.isFinished()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the source did not finish within " + PATIENCE);
            }
            Slice page = source.read();
            if (page != null) {
                pages.add(page);
            }
            if (next < handles.size()) {
                source.addSourceHandles(List.of(handles.get(next++)));
            }
            else {
                source.noMoreSourceHandles();
            }
            if (page == null) {
                Thread.sleep(1);
            }
        }
        return pages;
    }

    static List<Slice> read(ExchangeManager manager, ExchangeSourceOutputSelector selector, List<ExchangeSourceHandle> handles)
            throws InterruptedException
    {
        ExchangeSource source = manager.createSource();
        try {
            source.setOutputSelector(selector);
            return read(source, handles);
        }
        finally {
            source.close();
        }
    }

    static List<String> asStrings(List<Slice> pages)
    {
        return pages.stream().map(Slice::toStringUtf8).toList();
    }

    static List<ExchangeSourceHandle> ofPartition(List<ExchangeSourceHandle> handles, int partition)
    {
        return handles.stream().filter(handle -> handle.getPartitionId() == partition).toList();
    }
}
