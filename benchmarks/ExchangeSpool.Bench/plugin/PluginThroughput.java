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

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The Trino plugin's side of the harness's plugin section: the same workload as the .NET client's
 * SpoolWorkload (S sinks writing pages round-robin over P partitions, waiting on isBlocked(), then S
 * sources reading every handle back), driven through the SPI as the engine drives it: each sink and
 * each source on its own thread, as Trino's task executor runs concurrent drivers. Warms up, prints
 * the bytes of the warm-up, then measures one round for each "round" line on its standard input and
 * prints the measured seconds of each phase, one line each, for the harness to parse.
 * Arguments: host:port sinks partitions bytes pageSize warmUpRoundBytes.
 */
public final class PluginThroughput
{
    // A warm-up round that spends less than this share of its time compiling leaves a JIT-compiled plugin.
    private static final double SETTLED_COMPILATION_SHARE = 0.1;
    private static final int MAX_WARM_UP_ROUNDS = 8;

    private PluginThroughput() {}

    public static void main(String[] args)
            throws Exception
    {
        String address = args[0];
        int sinks = Integer.parseInt(args[1]);
        int partitions = Integer.parseInt(args[2]);
        long bytes = Long.parseLong(args[3]);
        int pageSize = Integer.parseInt(args[4]);
        long warmUpRoundBytes = Long.parseLong(args[5]);
        byte[] page = new byte[pageSize];
        new Random(20261121).nextBytes(page);
        ExchangeManager manager = new SpoolExchangeManagerFactory().create(Map.of(SpoolExchangeConfig.ADDRESS, address), new ExchangeManagerContext() {});
        long warmUpBytes = warmUp(manager, sinks, partitions, warmUpRoundBytes, page);
        System.out.printf("plugin-warmed-up warm-up-bytes=%d%n", warmUpBytes);
        System.out.flush();
        // One measured round per "round" line, so that the harness can interleave them with the .NET client's; the end of input ends the driver.
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String command = commands.readLine(); command != null; command = commands.readLine()) {
            if (!command.equals("round")) {
                throw new IllegalArgumentException("unknown command: " + command);
            }
            long[] nanos = run(manager, sinks, partitions, bytes, page);
            System.out.printf("plugin-throughput write-seconds=%.6f read-seconds=%.6f bytes=%d%n", nanos[0] / 1e9, nanos[1] / 1e9, bytes);
            System.out.flush();
        }
        manager.shutdown();
    }

    /**
     * Exchanges of the measured shape until the JIT compiler has settled, so that neither JIT
     * compilation (C2 compiles grpc-java's and Netty's large methods for seconds on a busy 2-core
     * machine, competing with the server for CPU) nor connection setup is measured. Returns the
     * bytes written (and read) so, which the harness gives the .NET client as its warm-up too.
     */
    private static long warmUp(ExchangeManager manager, int sinks, int partitions, long roundBytes, byte[] page)
            throws Exception
    {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        long warmUpBytes = 0;
        for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
            long compilingMillis = compiler.getTotalCompilationTime();
            long[] nanos = run(manager, sinks, partitions, roundBytes, page);
            warmUpBytes += roundBytes;
            double roundMillis = (nanos[0] + nanos[1]) / 1e6;
            if (compiler.getTotalCompilationTime() - compilingMillis < roundMillis * SETTLED_COMPILATION_SHARE) {
                break;
            }
        }
        return warmUpBytes;
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
        List<CompletableFuture<Object>> writers = new ArrayList<>();
        for (int sink = 0; sink < sinks; sink++) {
            int sinkId = sink;
            long share = bytes / sinks + (sinkId < bytes % sinks ? 1 : 0);
            writers.add(onOwnThread("sink-" + sinkId, () -> {
                write(manager, exchange, handles.get(sinkId), sinkId, partitions, share, page);
                return null;
            }));
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
            readers.add(onOwnThread("source-" + reader, () -> read(manager, finalSelector, share)));
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

    /**
     * Not the common fork-join pool: on a 2-core machine its parallelism is 1, which would run the
     * sinks one after another until one blocks.
     */
    private static <T> CompletableFuture<T> onOwnThread(String name, Supplier<T> task)
    {
        return CompletableFuture.supplyAsync(task, command -> new Thread(command, name).start());
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
