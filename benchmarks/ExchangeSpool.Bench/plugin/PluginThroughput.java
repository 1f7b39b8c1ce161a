import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.exchangespool.trino.SpoolExchangeConfig;
import io.exchangespool.trino.SpoolExchangeManagerFactory;
import io.opentelemetry.api.trace.Span;
import io.trino.spi.QueryId;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeContext;
import io.trino.spi.exchange.ExchangeId;
import io.trino.spi.exchange.ExchangeManager;
import io.trino.spi.exchange.ExchangeManagerContext;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceHandleSource.ExchangeSourceHandleBatch;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The Trino plugin's side of the harness's plugin section: the same workload as the .NET client's
 * SpoolWorkload (S sinks writing pages round-robin over P partitions, waiting on isBlocked(), then S
 * sources reading every handle back), driven through the SPI as the engine drives it. Prints the
 * measured seconds of each phase on one line for the harness to parse.
 * Arguments: host:port sinks partitions bytes pageSize.
 */
public final class PluginThroughput
{
    private PluginThroughput() {}

    public static void main(String[] args)
            throws Exception
    {
        String address = args[0];
        int sinks = Integer.parseInt(args[1]);
        int partitions = Integer.parseInt(args[2]);
        long bytes = Long.parseLong(args[3]);
        int pageSize = Integer.parseInt(args[4]);
        byte[] page = new byte[pageSize];
        new Random(20261121).nextBytes(page);
        ExchangeManager manager = new SpoolExchangeManagerFactory().create(Map.of(SpoolExchangeConfig.ADDRESS, address), new ExchangeManagerContext() {});
        // A small exchange first, as the .NET side does, so that JIT and connection setup are not measured.
        run(manager, sinks, partitions, (long) sinks * pageSize, page);
        long[] nanos = run(manager, sinks, partitions, bytes, page);
        System.out.printf("plugin-throughput write-seconds=%.6f read-seconds=%.6f bytes=%d%n", nanos[0] / 1e9, nanos[1] / 1e9, bytes);
        manager.shutdown();
    }

    private static long[] run(ExchangeManager manager, int sinks, int partitions, long bytes, byte[] page)
            throws Exception
    {
        Exchange exchange = manager.createExchange(context(), partitions, false);
        List<ExchangeSinkHandle> handles = new ArrayList<>();
        for (int sink = 0; sink < sinks; sink++) {
            handles.add(exchange.addSink(sink));
        }
        exchange.noMoreSinks();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int sink = 0; sink < sinks; sink++) {
            int sinkId = sink;
            long share = bytes / sinks + (sinkId < bytes % sinks ? 1 : 0);
            writers.add(CompletableFuture.runAsync(() -> write(manager, exchange, handles.get(sinkId), sinkId, partitions, share, page)));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get();
        handles.forEach(sink -> exchange.sinkFinished(sink, 0));
        exchange.allRequiredSinksFinished();
        long written = System.nanoTime();

        List<ExchangeSourceHandle> planned = new ArrayList<>();
        var source = exchange.getSourceHandles();
        while (true) {
            ExchangeSourceHandleBatch batch = source.getNextBatch().get();
            planned.addAll(batch.handles());
            if (batch.lastBatch()) {
                break;
            }
        }
        ExchangeSourceOutputSelector.Builder selector = ExchangeSourceOutputSelector.builder(Set.of(exchange.getId()));
        selector.setPartitionCount(exchange.getId(), sinks);
        for (int sink = 0; sink < sinks; sink++) {
            selector.include(exchange.getId(), sink, 0);
        }
        ExchangeSourceOutputSelector finalSelector = selector.setFinal().build();
        int sources = Math.max(1, Math.min(sinks, planned.size()));
        List<CompletableFuture<Long>> readers = new ArrayList<>();
        for (int reader = 0; reader < sources; reader++) {
            List<ExchangeSourceHandle> share = new ArrayList<>();
            for (int h = reader; h < planned.size(); h += sources) {
                share.add(planned.get(h));
            }
            readers.add(CompletableFuture.supplyAsync(() -> read(manager, finalSelector, share)));
        }
        long read = 0;
        for (CompletableFuture<Long> reader : readers) {
            read += reader.get();
        }
        long done = System.nanoTime();
        if (read != bytes) {
            throw new IllegalStateException("read " + read + " bytes of pages back, " + bytes + " were written");
        }
        exchange.close();
        return new long[] {written - start, done - written};
    }

    private static void write(ExchangeManager manager, Exchange exchange, ExchangeSinkHandle handle, int sinkId, int partitions, long length, byte[] page)
    {
        try {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(handle, 0).get());
            int partition = sinkId % partitions;
            for (long written = 0; written < length; written += page.length) {
                sink.isBlocked().get();
                Slice data = Slices.wrappedBuffer(page, 0, (int) Math.min(page.length, length - written));
                sink.add(partition, data);
                partition = (partition + 1) % partitions;
            }
            sink.finish().get();
        }
        catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static long read(ExchangeManager manager, ExchangeSourceOutputSelector selector, List<ExchangeSourceHandle> handles)
    {
        ExchangeSource source = manager.createSource();
        try {
            source.setOutputSelector(selector);
            source.addSourceHandles(handles);
            source.noMoreSourceHandles();
            long read = 0;
            while (!source.isFinished()) {
                Slice page = source.read();
                if (page == null) {
                    source.isBlocked().get();
                }
                else {
                    read += page.length();
                }
            }
            return read;
        }
        catch (Exception e) {
            throw new RuntimeException(e);
        }
        finally {
            source.close();
        }
    }

    private static ExchangeContext context()
    {
        QueryId queryId = new QueryId("bench" + ProcessHandle.current().pid());
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
}
