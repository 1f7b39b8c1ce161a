package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.trino.spi.ErrorType;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeId;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceHandleSource.ExchangeSourceHandleBatch;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;
import io.trino.spi.metrics.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.exchangespool.trino.EngineDriver.PATIENCE;
import static io.exchangespool.trino.EngineDriver.allHandles;
import static io.exchangespool.trino.EngineDriver.asStrings;
import static io.exchangespool.trino.EngineDriver.createExchange;
import static io.exchangespool.trino.EngineDriver.finalSelector;
import static io.exchangespool.trino.EngineDriver.ofPartition;
import static io.exchangespool.trino.EngineDriver.read;
import static io.exchangespool.trino.EngineDriver.strings;
import static io.exchangespool.trino.EngineDriver.write;
import static io.exchangespool.trino.EngineDriver.writeAndAbort;
import static io.exchangespool.trino.EngineDriver.writeAndFinish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trino's exchange manager contract scenarios and the rules of the contract note, against a real
 * exchange-spool server; the test methods run concurrently against one shared manager.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestSpoolExchangeContract
{
    private static final int MIB = 1024 * 1024;

    private SpoolExchangeManager manager;

    @BeforeAll
    void createManager()
    {
        manager = TestingSpoolServer.shared().createManager();
    }

    @AfterAll
    void shutdownManager()
    {
        manager.shutdown();
    }

    @Test
    void happyPath_firstFinishedAttemptOfEachSinkIsRead()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 2, false);
        ExchangeSinkHandle sink0 = exchange.addSink(0);
        ExchangeSinkHandle sink1 = exchange.addSink(1);
        ExchangeSinkHandle sink2 = exchange.addSink(2);
        exchange.noMoreSinks();
        for (ExchangeSinkHandle sink : List.of(sink0, sink1)) {
            int s = ((SpoolExchangeSinkHandle) sink).getTaskPartitionId();
            List<EngineDriver.Page> pages = strings(0, s + "-0-0", 1, s + "-1-0", 0, s + "-0-1", 1, s + "-1-1");
            writeAndFinish(manager, exchange, sink, 0, pages);
            writeAndFinish(manager, exchange, sink, 1, pages);
            writeAndAbort(manager, exchange, sink, 2, strings(0, "failed", 1, "another failed"));
            exchange.sinkFinished(sink, 0);
            exchange.sinkFinished(sink, 1);
            exchange.sinkFinished(sink, 2);
        }
        writeAndFinish(manager, exchange, sink2, 2, strings(0, "2-0-0", 1, "2-1-0"));
        exchange.sinkFinished(sink2, 2);
        exchange.allRequiredSinksFinished();

        ExchangeSourceHandleBatch batch = exchange.getSourceHandles().getNextBatch().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertTrue(batch.lastBatch());
        assertEquals(2, batch.handles().size());
        ExchangeSourceOutputSelector selector = finalSelector(exchange, 3, new int[] {0, 0}, new int[] {1, 0}, new int[] {2, 2});
        assertEquals(Set.of("0-0-0", "0-0-1", "1-0-0", "1-0-1", "2-0-0"), Set.copyOf(asStrings(read(manager, selector, ofPartition(batch.handles(), 0)))));
        assertEquals(5, read(manager, selector, ofPartition(batch.handles(), 0)).size());
        assertEquals(Set.of("0-1-0", "0-1-1", "1-1-0", "1-1-1", "2-1-0"), Set.copyOf(asStrings(read(manager, selector, ofPartition(batch.handles(), 1)))));
        exchange.close();
    }

    @Test
    void largePages_packIntoTenHandlesAndReadBack()
            throws Exception
    {
        Slice small = page(123, 1);
        Slice medium = page(66 * 1024, 2);
        Slice large = page(5 * MIB - 4, 3);
        Slice max = page(16 * MIB - 4, 4);
        Exchange exchange = createExchange(manager, 3, false);
        ExchangeSinkHandle sink0 = exchange.addSink(0);
        ExchangeSinkHandle sink1 = exchange.addSink(1);
        ExchangeSinkHandle sink2 = exchange.addSink(2);
        exchange.noMoreSinks();
        writeAndFinish(manager, exchange, sink0, 0, List.of(p(0, small), p(1, max), p(1, medium)));
        writeAndFinish(manager, exchange, sink1, 0, List.of(p(0, medium), p(1, large), p(2, small)));
        writeAndFinish(manager, exchange, sink2, 0, List.of(p(0, large), p(0, max), p(1, small), p(2, max), p(2, large), p(2, medium)));
        exchange.sinkFinished(sink0, 0);
        exchange.sinkFinished(sink1, 0);
        exchange.sinkFinished(sink2, 0);
        exchange.allRequiredSinksFinished();

        List<ExchangeSourceHandle> handles = allHandles(exchange);
        assertEquals(10, handles.size());
        ExchangeSourceOutputSelector selector = finalSelector(exchange, 3, new int[] {0, 0}, new int[] {1, 0}, new int[] {2, 0});
        assertEquals(sorted(small, medium, large, max), sorted(read(manager, selector, ofPartition(handles, 0))));
        assertEquals(sorted(max, medium, large, small), sorted(read(manager, selector, ofPartition(handles, 1))));
        assertEquals(sorted(small, max, large, medium), sorted(read(manager, selector, ofPartition(handles, 2))));
        exchange.close();
    }

    @Test
    void moreOutputPartitionsThanTheLimit_failsWithTrinosUserError()
    {
        TrinoException error = assertThrows(TrinoException.class, () -> createExchange(manager, 51, false));
        assertEquals(ErrorType.USER_ERROR, error.getErrorCode().getType());
        assertTrue(error.getMessage().contains("Max number of output partitions exceeded for exchange"), error.getMessage());
    }

    @Test
    void queryRetrySpill_readsRecordsBackInExactWriteOrder()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, true);
        ExchangeSinkHandle sink = exchange.addSink(0);
        exchange.noMoreSinks();
        List<Slice> records = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // [int stage][int partition][int attempt][page], unencrypted, as the engine's spool writes them
            ByteBuffer record = ByteBuffer.allocate(12 + 100 + i % 700).order(ByteOrder.LITTLE_ENDIAN);
            record.putInt(i % 7).putInt(i % 13).putInt(0);
            while (record.hasRemaining()) {
                record.put((byte) (i * 31 + record.position()));
            }
            records.add(Slices.wrappedBuffer(record.array()));
        }
        writeAndFinish(manager, exchange, sink, 0, records.stream().map(record -> p(0, record)).toList());
        exchange.sinkFinished(sink, 0);
        exchange.allRequiredSinksFinished();

        List<Slice> read = read(manager, finalSelector(exchange, 1, new int[] {0, 0}), allHandles(exchange));
        assertEquals(records, read);
        exchange.close();
    }

    @Test
    void oneSource_readsHandlesOfTwoExchangesAtOnce()
            throws Exception
    {
        Exchange first = singleSinkExchange(strings(0, "first-a", 1, "first-b"), 2);
        Exchange second = singleSinkExchange(strings(0, "second-a"), 1);
        List<ExchangeSourceHandle> handles = new ArrayList<>(allHandles(first));
        handles.addAll(allHandles(second));
        ExchangeSourceOutputSelector selector = finalSelector(Map.of(first.getId(), new int[][] {{0, 0}}, second.getId(), new int[][] {{0, 0}}), 1);

        assertEquals(Set.of("first-a", "first-b", "second-a"), Set.copyOf(asStrings(read(manager, selector, handles))));
        first.close();
        second.close();
    }

    @Test
    void selectorVersions_onlyTheHighestCountsAndReadingWaitsForTheFinalOne()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSinkHandle sink0 = exchange.addSink(0);
        exchange.addSink(1);
        ExchangeSinkHandle sink2 = exchange.addSink(2);
        exchange.noMoreSinks();
        writeAndFinish(manager, exchange, sink0, 0, strings(0, "attempt 0"));
        writeAndFinish(manager, exchange, sink0, 1, strings(0, "attempt 1"));
        writeAndFinish(manager, exchange, sink2, 0, strings(0, "sink 2"));
        exchange.sinkFinished(sink0, 1);
        exchange.sinkFinished(sink2, 0);
        exchange.allRequiredSinksFinished();
        List<ExchangeSourceHandle> handles = allHandles(exchange);

        // As the engine builds them: one selector as each task finishes, whose values end at the
        // highest decided sink (shorter than the 3 sinks), and a final one once the stage is done.
        ExchangeId id = exchange.getId();
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(Set.of(id));
        ExchangeSourceOutputSelector noneFinished = builder.build();
        ExchangeSourceOutputSelector firstFinished = builder.include(id, 0, 1).build();
        ExchangeSourceOutputSelector finalOne = builder.include(id, 2, 0).exclude(id, 1).setPartitionCount(id, 3).setFinal().build();
        ExchangeSource source = manager.createSource();
        source.addSourceHandles(handles);
        source.noMoreSourceHandles();
        source.setOutputSelector(firstFinished);
        source.setOutputSelector(noneFinished);
        Thread.sleep(200);
        assertNull(source.read());
        assertFalse(source.isFinished());
        assertFalse(source.isBlocked().isDone());

        source.setOutputSelector(finalOne);
        source.setOutputSelector(firstFinished);
        assertEquals(Set.of("attempt 1", "sink 2"), Set.copyOf(asStrings(read(source, List.of()))));
        source.close();
        exchange.close();
    }

    @Test
    void cancellingOneIsBlockedFuture_leavesTheOthersPending()
            throws Exception
    {
        Exchange exchange = singleSinkExchange(strings(0, "page"), 1);
        ExchangeSource source = manager.createSource();
        source.addSourceHandles(allHandles(exchange));
        source.noMoreSourceHandles();
        CompletableFuture<Void> cancelled = source.isBlocked();
        CompletableFuture<Void> other = source.isBlocked();
        cancelled.cancel(true);
        assertFalse(other.isDone());

        source.setOutputSelector(finalSelector(exchange, 1, new int[] {0, 0}));
        other.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("page"), asStrings(read(source, List.of())));
        source.close();
        exchange.close();
    }

    @Test
    void abortRacingFinish_neverDestroysACommittedAttempt()
            throws Exception
    {
        for (int round = 0; round < 5; round++) {
            Exchange exchange = createExchange(manager, 1, false);
            ExchangeSinkHandle sink = exchange.addSink(0);
            ExchangeSink writer = write(manager, exchange, sink, 0, strings(0, "kept " + round));
            CompletableFuture<Void> finish = writer.finish();
            if (round % 2 == 1) {
                Thread.sleep(round);
            }
            CompletableFuture<Void> abort = writer.abort();
            abort.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            boolean committed;
            try {
                finish.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                committed = true;
            }
            catch (Exception e) {
                committed = false;
            }
            if (committed) {
                exchange.sinkFinished(sink, 0);
                exchange.allRequiredSinksFinished();
                assertEquals(List.of("kept " + round), asStrings(read(manager, finalSelector(exchange, 1, new int[] {0, 0}), allHandles(exchange))));
            }
            exchange.close();
        }
    }

    @Test
    void abortAfterFinishCompleted_keepsTheData()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSinkHandle sink = exchange.addSink(0);
        ExchangeSink writer = write(manager, exchange, sink, 0, strings(0, "kept"));
        writer.finish().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        writer.abort().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        exchange.sinkFinished(sink, 0);
        exchange.allRequiredSinksFinished();
        assertEquals(List.of("kept"), asStrings(read(manager, finalSelector(exchange, 1, new int[] {0, 0}), allHandles(exchange))));
        exchange.close();
    }

    @Test
    void addAfterAbort_isIgnoredAndFreesEverything()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSink writer = write(manager, exchange, exchange.addSink(0), 0, strings(0, "gone"));
        assertTrue(writer.getMemoryUsage() > 0);
        writer.abort().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        writer.add(0, Slices.utf8Slice("ignored"));
        assertEquals(0, writer.getMemoryUsage());
        exchange.close();
    }

    @Test
    void pageOfMaxSize_isAcceptedAndOneByteMoreIsAUserError()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSinkHandle sink = exchange.addSink(0);
        Slice max = page(16 * MIB - 4, 5);
        ExchangeSink writer = write(manager, exchange, sink, 0, List.of(p(0, max)));
        TrinoException error = assertThrows(TrinoException.class, () -> writer.add(0, Slices.allocate(16 * MIB - 3)));
        assertEquals(ErrorType.USER_ERROR, error.getErrorCode().getType());
        assertTrue(error.getMessage().contains("Max page size"), error.getMessage());
        writer.finish().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        exchange.sinkFinished(sink, 0);
        exchange.allRequiredSinksFinished();
        assertEquals(List.of(max), read(manager, finalSelector(exchange, 1, new int[] {0, 0}), allHandles(exchange)));
        exchange.close();
    }

    @Test
    void eagerDelivery_handsOutHandlesOfFinishedSinksBeforeTheLast()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        exchange.setSourceHandlesDeliveryMode(Exchange.SourceHandlesDeliveryMode.EAGER);
        ExchangeSinkHandle sink0 = exchange.addSink(0);
        ExchangeSinkHandle sink1 = exchange.addSink(1);
        writeAndFinish(manager, exchange, sink0, 0, strings(0, "early"));
        exchange.sinkFinished(sink0, 0);
        ExchangeSourceHandleBatch early = exchange.getSourceHandles().getNextBatch().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertFalse(early.lastBatch());
        assertEquals(1, early.handles().size());

        writeAndFinish(manager, exchange, sink1, 0, strings(0, "late"));
        exchange.sinkFinished(sink1, 0);
        exchange.allRequiredSinksFinished();
        List<ExchangeSourceHandle> handles = new ArrayList<>(early.handles());
        handles.addAll(allHandles(exchange));
        ExchangeSourceOutputSelector selector = finalSelector(exchange, 2, new int[] {0, 0}, new int[] {1, 0});
        assertEquals(Set.of("early", "late"), Set.copyOf(asStrings(read(manager, selector, handles))));
        exchange.close();
    }

    @Test
    void closedSource_isFinishedAndHoldsNothing()
            throws Exception
    {
        Exchange exchange = singleSinkExchange(strings(0, "unread"), 1);
        ExchangeSource source = manager.createSource();
        source.addSourceHandles(allHandles(exchange));
        source.setOutputSelector(finalSelector(exchange, 1, new int[] {0, 0}));
        CompletableFuture<Void> blocked = source.isBlocked();
        source.close();
        assertTrue(source.isFinished());
        assertEquals(0, source.getMemoryUsage());
        blocked.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        exchange.close();
    }

    @Test
    void metricsHandedToTheEngine_holdNoClassOfThePlugin()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSinkHandle sinkHandle = exchange.addSink(0);
        exchange.noMoreSinks();
        ExchangeSink sink = write(manager, exchange, sinkHandle, 0, strings(0, "page"));
        sink.finish().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        exchange.sinkFinished(sinkHandle, 0);
        exchange.allRequiredSinksFinished();
        ExchangeSource source = manager.createSource();
        source.setOutputSelector(finalSelector(exchange, 1, new int[] {0, 0}));
        assertEquals(List.of("page"), asStrings(read(source, allHandles(exchange))));

        List<Metrics> reported = new ArrayList<>();
        reported.add(exchange.getMetrics());
        sink.getMetrics().ifPresent(reported::add);
        source.getMetrics().ifPresent(reported::add);
        for (Metrics metrics : reported) {
            metrics.getMetrics().values().forEach(metric -> assertTrue(metric.getClass().getName().startsWith("io.trino.spi."),
                    "the engine cannot load " + metric.getClass().getName() + " when it reads the metrics back"));
        }
        source.close();
        exchange.close();
    }

    private Exchange singleSinkExchange(List<EngineDriver.Page> pages, int partitions)
            throws Exception
    {
        Exchange exchange = createExchange(manager, partitions, false);
        ExchangeSinkHandle sink = exchange.addSink(0);
        exchange.noMoreSinks();
        writeAndFinish(manager, exchange, sink, 0, pages);
        exchange.sinkFinished(sink, 0);
        exchange.allRequiredSinksFinished();
        return exchange;
    }

    private static EngineDriver.Page p(int partition, Slice data)
    {
        return new EngineDriver.Page(partition, data);
    }

    private static Slice page(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new java.util.Random(seed).nextBytes(bytes);
        return Slices.wrappedBuffer(bytes);
    }

    private static List<String> sorted(Slice... pages)
    {
        return sorted(Arrays.asList(pages));
    }

    private static List<String> sorted(List<Slice> pages)
    {
        return pages.stream().map(page -> page.length() + ":" + page.hashCode()).sorted().toList();
    }

    @Test
    void finalSelectorWithoutTheExchangeOfAHandle_failsAsAnEngineContractViolation()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        Exchange other = createExchange(manager, 1, false);
        ExchangeSinkHandle sink = exchange.addSink(0);
        exchange.noMoreSinks();
        writeAndFinish(manager, exchange, sink, 0, strings(0, "a"));
        exchange.sinkFinished(sink, 0);
        exchange.allRequiredSinksFinished();
        List<ExchangeSourceHandle> handles = EngineDriver.allHandles(exchange);
        ExchangeSource source = manager.createSource();
        try {
            source.setOutputSelector(finalSelector(other, 1, new int[] {0, 0}));
            source.addSourceHandles(handles);
            source.isBlocked().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            TrinoException error = assertThrows(TrinoException.class, source::read);
            assertEquals(SpoolErrorCode.SPOOL_OUTPUT_SELECTOR_MISSING_EXCHANGE.toErrorCode(), error.getErrorCode());
            assertTrue(error.getMessage().contains("contract") && error.getMessage().contains(exchange.getId().toString()), error.getMessage());
        }
        finally {
            source.close();
            exchange.close();
            other.close();
        }
    }
}
