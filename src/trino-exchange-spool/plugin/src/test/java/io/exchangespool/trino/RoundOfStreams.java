package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.exchangespool.protocol.v1.ExchangeDescriptor;
import io.exchangespool.protocol.v1.ExchangeRef;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeId;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.exchangespool.trino.EngineDriver.allHandles;
import static io.exchangespool.trino.EngineDriver.createExchange;
import static io.exchangespool.trino.EngineDriver.finalSelector;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_DATA_CORRUPTION;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_ERROR;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SINK_ABORTED;
import static io.exchangespool.trino.StreamExpectation.failsInThePlugin;
import static io.exchangespool.trino.StreamExpectation.failsWith;
import static io.exchangespool.trino.StreamExpectation.succeeds;
import static io.exchangespool.trino.StreamExpectation.succeedsOr;
import static io.exchangespool.trino.StreamExpectation.throwsInThePlugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One round of a worker's streams, all started at once, each on its own thread: healthy sinks and
 * sources (pages up to the 16 MiB limit, every page read checked byte for byte) and every way a
 * stream ends early: a page too large (refused by the server or by the plugin), a partition out of
 * range (sink and source), an unknown or closed exchange, an exchange closed while its sinks write,
 * a sink aborted while writing, an abort racing finish, a source closed while reading, and a source
 * reading a file tampered with on disk. Sinks write what the next round's sources read.
 */
final class RoundOfStreams
{
    static final Duration BOUND = Duration.ofSeconds(60);

    private static final int MIB = 1024 * 1024;
    private static final int MAX_PAGE = 16 * MIB - 4;
    private static final int PARTITIONS = 4;
    private static final int HEALTHY_SINKS = 12;

    private final int round;
    private final TestingSpoolServer server;
    private final SpoolExchangeManager manager;
    private final ExecutorService threads;
    private final List<Future<Ending>> streams = new ArrayList<>();

    RoundOfStreams(int round, TestingSpoolServer server, SpoolExchangeManager manager, ExecutorService threads)
    {
        this.round = round;
        this.server = server;
        this.manager = manager;
        this.threads = threads;
    }

    /** What a round's healthy sinks write, for the next round to read. */
    record Writing(Exchange healthy, List<ExchangeSinkHandle> healthySinks, Map<Integer, Set<Long>> pagesByPartition,
            Exchange tampered, ExchangeSinkHandle tamperedSink, Exchange closed, ExchangeSinkHandle closedSink, Exchange shared)
    {
        /** Once every stream of the round ended: the winners reported as the engine does, and the handles planned. */
        Committed commit()
                throws Exception
        {
            shared.close();
            healthySinks.forEach(sink -> healthy.sinkFinished(sink, 0));
            healthy.allRequiredSinksFinished();
            tampered.sinkFinished(tamperedSink, 0);
            tampered.allRequiredSinksFinished();
            closed.sinkFinished(closedSink, 0);
            closed.allRequiredSinksFinished();
            List<ExchangeSourceHandle> closedHandles = allHandles(closed);
            closed.close();
            return new Committed(healthy, pagesByPartition, allHandles(healthy), tampered, allHandles(tampered), closedHandles);
        }
    }

    /** What a round committed, for the next one to read. */
    record Committed(Exchange healthy, Map<Integer, Set<Long>> pagesByPartition, List<ExchangeSourceHandle> healthyHandles,
            Exchange tampered, List<ExchangeSourceHandle> tamperedHandles, List<ExchangeSourceHandle> closedHandles)
    {
        void close()
        {
            healthy.close();
            tampered.close();
        }
    }

    /** How a stream ended: the failure it ended with (null when none), and how it had to end. */
    private record Ending(String kind, StreamExpectation expectation, Throwable failure) {}

    /** Starts every sink of the round. */
    Writing startSinks()
            throws Exception
    {
        Exchange healthy = createExchange(manager, PARTITIONS, false);
        Map<Integer, Set<Long>> pagesByPartition = new ConcurrentHashMap<>();
        List<ExchangeSinkHandle> healthySinks = new ArrayList<>();
        for (int sinkId = 0; sinkId < HEALTHY_SINKS; sinkId++) {
            ExchangeSinkHandle sink = healthy.addSink(sinkId);
            healthySinks.add(sink);
            int id = sinkId;
            start("healthy sink", succeeds(), () -> writeHealthy(healthy, sink, id, pagesByPartition));
        }
        Exchange tampered = createExchange(manager, 1, false);
        ExchangeSinkHandle tamperedSink = tampered.addSink(0);
        // Large enough for several blocks: the tampered last one fails after others were read.
        start("sink of the exchange read tampered", succeeds(), () -> writeAndFinish(tampered, tamperedSink, 64, 48 * 1024));
        Exchange closed = createExchange(manager, 1, false);
        ExchangeSinkHandle closedSink = closed.addSink(0);
        start("sink of the exchange read closed", succeeds(), () -> writeAndFinish(closed, closedSink, 8, 1024));

        Exchange shared = createExchange(manager, PARTITIONS, false);
        start("page too large for the server", failsWith(SPOOL_MAX_PAGE_SIZE_EXCEEDED, "PAGE_TOO_LARGE"), () -> writePageTooLargeForTheServer(shared, 30));
        start("page too large for the plugin", failsInThePlugin(SPOOL_MAX_PAGE_SIZE_EXCEEDED), () -> writeThenAbort(shared, 31, PARTITIONS - 1, MAX_PAGE + 1));
        start("partition out of range in a sink", throwsInThePlugin(IllegalArgumentException.class), () -> writeThenAbort(shared, 32, PARTITIONS, 1024));
        for (int sinkId = 40; sinkId < 43; sinkId++) {
            int id = sinkId;
            start("sink aborted while writing", succeeds(), () -> abortWhileWriting(shared, id));
        }
        for (int sinkId = 50; sinkId < 52; sinkId++) {
            int id = sinkId;
            start("abort racing finish", succeedsOr(failsInThePlugin(SPOOL_SINK_ABORTED)), () -> abortRacingFinish(shared, id));
        }
        Exchange closing = createExchange(manager, 1, false);
        List<CompletableFuture<Void>> writing = new ArrayList<>();
        for (int sinkId = 0; sinkId < 2; sinkId++) {
            int id = sinkId;
            CompletableFuture<Void> started = new CompletableFuture<>();
            writing.add(started);
            start("sink of an exchange closed while it writes",
                    succeedsOr(failsWith(SPOOL_SERVER_ERROR, "EXCHANGE_CLOSED", "EXCHANGE_NOT_FOUND").or(failsWith(SPOOL_SERVER_UNAVAILABLE, "STORAGE_UNAVAILABLE"))),
                    () -> writeUntilClosed(closing, id, started));
        }
        CompletableFuture.allOf(writing.toArray(CompletableFuture[]::new)).thenRun(closing::close);
        return new Writing(healthy, healthySinks, pagesByPartition, tampered, tamperedSink, closed, closedSink, shared);
    }

    /** Starts every source of the round, over what the previous round committed. */
    void startSources(Committed previous)
            throws IOException
    {
        ExchangeSourceOutputSelector healthySelector = finalSelector(Map.of(previous.healthy().getId(), allSinks(HEALTHY_SINKS)), HEALTHY_SINKS);
        for (int partition = 0; partition < PARTITIONS; partition++) {
            int readPartition = partition;
            start("healthy source", succeeds(), () -> readHealthy(healthySelector, previous, readPartition));
        }
        for (int source = 0; source < 2; source++) {
            start("source closed while reading", succeeds(), () -> verify(read(healthySelector, previous.healthyHandles(), 3)));
        }
        start("source with a partition out of range", failsWith(SPOOL_SERVER_ERROR, "PARTITION_OUT_OF_RANGE"), () -> readPartitionOutOfRange(healthySelector, previous));
        start("source of an unknown exchange", failsWith(SPOOL_SERVER_ERROR, "EXCHANGE_NOT_FOUND", "ATTEMPT_NOT_COMMITTED"), () -> readUnknownExchange(previous));
        start("source of a closed exchange", failsWith(SPOOL_SERVER_ERROR, "EXCHANGE_CLOSED", "EXCHANGE_NOT_FOUND", "ATTEMPT_NOT_COMMITTED"), () -> readClosedExchange(previous));
        tamperLastByte(previous.tampered());
        ExchangeSourceOutputSelector tamperedSelector = finalSelector(previous.tampered(), 1, new int[] {0, 0});
        start("source of a tampered file", failsWith(SPOOL_DATA_CORRUPTION, "DATA_LOSS"), () -> verify(read(tamperedSelector, previous.tamperedHandles(), Integer.MAX_VALUE)));
    }

    /** Waits for every stream of the round and fails naming each that ended otherwise than it had to. */
    void assertEveryStreamEndedAsExpected()
            throws InterruptedException
    {
        List<String> problems = new ArrayList<>();
        for (Future<Ending> stream : streams) {
            try {
                Ending ending = stream.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                String problem = ending.expectation().check(ending.failure());
                if (problem != null) {
                    problems.add("%s: %s".formatted(ending.kind(), problem));
                }
            }
            catch (TimeoutException e) {
                problems.add("a stream did not end within " + BOUND);
            }
            catch (ExecutionException e) {
                problems.add("a check of what a stream read failed: " + e.getCause());
            }
        }
        if (!problems.isEmpty()) {
            fail("round %s: %s streams ended wrongly:%n%s".formatted(round, problems.size(), String.join("\n", problems)));
        }
    }

    /** Runs the stream on its own thread: an exception is how it ended, an AssertionError (wrong bytes read) fails the round. */
    private void start(String kind, StreamExpectation expectation, Callable<?> stream)
    {
        streams.add(threads.submit(() -> {
            try {
                stream.call();
                return new Ending(kind, expectation, null);
            }
            catch (ExecutionException e) {
                return new Ending(kind, expectation, e.getCause());
            }
            catch (Exception e) {
                return new Ending(kind, expectation, e);
            }
        }));
    }

    /** Unique per round, stream kind, stream and page. */
    private long pageId(int kind, int stream, int index)
    {
        return ((long) round << 40) | ((long) kind << 32) | ((long) stream << 20) | index;
    }

    /** One sink writes the largest page (every fourth round) or a 2 MiB one; the others pages of up to 64 KiB. */
    private Void writeHealthy(Exchange exchange, ExchangeSinkHandle handle, int sinkId, Map<Integer, Set<Long>> pagesByPartition)
            throws Exception
    {
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(handle, 0).get());
        for (int index = 0; index < 24; index++) {
            int partition = (sinkId + index) % PARTITIONS;
            int length = sinkId == 0 && index == 0
                    ? (round % 4 == 0 ? MAX_PAGE : 2 * MIB)
                    : VerifiablePages.HEADER_SIZE + (index * 7919 + sinkId * 104729) % (64 * 1024);
            long id = pageId(1, sinkId, index);
            add(sink, partition, VerifiablePages.page(id, length));
            pagesByPartition.computeIfAbsent(partition, ignored -> ConcurrentHashMap.newKeySet()).add(id);
        }
        return sink.finish().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private Void writeAndFinish(Exchange exchange, ExchangeSinkHandle handle, int pages, int length)
            throws Exception
    {
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(handle, 0).get());
        for (int index = 0; index < pages; index++) {
            add(sink, 0, VerifiablePages.page(pageId(2, 0, index), length));
        }
        return sink.finish().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * A page over the limit that the plugin lets through, because the sink's descriptor claims a
     * larger limit (as one from a server configured otherwise would), and the server refuses while
     * the rest of the stream is still on its way.
     */
    private Void writePageTooLargeForTheServer(Exchange exchange, int sinkId)
            throws Exception
    {
        SpoolExchangeSinkInstanceHandle handle = (SpoolExchangeSinkInstanceHandle) exchange.instantiateSink(exchange.addSink(sinkId), 0).get();
        ExchangeDescriptor descriptor = handle.getExchange().descriptor();
        ExchangeDescriptor larger = descriptor.toBuilder()
                .setSettings(descriptor.getSettings().toBuilder().setMaxPageStorageSize(32L * MIB))
                .build();
        ExchangeSink sink = manager.createSink(new SpoolExchangeSinkInstanceHandle(new SpoolExchangeDescriptor(larger), sinkId, 0));
        List<Integer> lengths = List.of(1024, MAX_PAGE + 1, 1024, 1024);
        for (int index = 0; index < lengths.size(); index++) {
            add(sink, 0, VerifiablePages.page(pageId(3, sinkId, index), lengths.get(index)));
        }
        return sink.finish().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    /** Two pages, then one the plugin refuses (it throws), then the abort the engine sends after a failed add. */
    private Void writeThenAbort(Exchange exchange, int sinkId, int lastPartition, int lastLength)
            throws Exception
    {
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(sinkId), 0).get());
        try {
            add(sink, 0, VerifiablePages.page(pageId(4, sinkId, 0), 64 * 1024));
            add(sink, 1, VerifiablePages.page(pageId(4, sinkId, 1), 64 * 1024));
            add(sink, lastPartition, VerifiablePages.page(pageId(4, sinkId, 2), lastLength));
            return null;
        }
        finally {
            sink.abort().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private Void abortWhileWriting(Exchange exchange, int sinkId)
            throws Exception
    {
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(sinkId), 0).get());
        for (int index = 0; index < 16; index++) {
            add(sink, index % PARTITIONS, VerifiablePages.page(pageId(5, sinkId, index), 96 * 1024));
        }
        return sink.abort().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private Void abortRacingFinish(Exchange exchange, int sinkId)
            throws Exception
    {
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(sinkId), 0).get());
        for (int index = 0; index < 8; index++) {
            add(sink, index % PARTITIONS, VerifiablePages.page(pageId(6, sinkId, index), 48 * 1024));
        }
        CompletableFuture<Void> finish = sink.finish();
        sink.abort().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        return finish.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    /** Writes until the exchange, closed once both its sinks have written some pages, fails the sink, or finishes if it never does. */
    private Void writeUntilClosed(Exchange exchange, int sinkId, CompletableFuture<Void> started)
            throws Exception
    {
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(sinkId), 0).get());
        try {
            for (int index = 0; index < 48; index++) {
                add(sink, 0, VerifiablePages.page(pageId(7, sinkId, index), 64 * 1024));
                if (index == 4) {
                    started.complete(null);
                }
            }
        }
        finally {
            started.complete(null);
        }
        return sink.finish().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private Void readHealthy(ExchangeSourceOutputSelector selector, Committed previous, int partition)
            throws Exception
    {
        Set<Long> read = new HashSet<>();
        for (Slice page : read(selector, EngineDriver.ofPartition(previous.healthyHandles(), partition), Integer.MAX_VALUE)) {
            assertTrue(read.add(VerifiablePages.verify(page)), "a page was read twice");
        }
        assertEquals(previous.pagesByPartition().getOrDefault(partition, Set.of()), read, "pages of partition " + partition);
        return null;
    }

    private Void readPartitionOutOfRange(ExchangeSourceOutputSelector selector, Committed previous)
            throws Exception
    {
        SpoolExchangeSourceHandle handle = (SpoolExchangeSourceHandle) previous.healthyHandles().get(0);
        SpoolExchangeSourceHandle outOfRange = new SpoolExchangeSourceHandle(handle.getExchange(), PARTITIONS, handle.getDataSizeInBytes(), handle.getFiles());
        return verify(read(selector, List.of(outOfRange), Integer.MAX_VALUE));
    }

    /** The files of a committed exchange, named as those of an exchange that was never created. */
    private Void readUnknownExchange(Committed previous)
            throws Exception
    {
        SpoolExchangeSourceHandle handle = (SpoolExchangeSourceHandle) previous.healthyHandles().get(0);
        ExchangeDescriptor descriptor = handle.getExchange().descriptor();
        String unknownId = "unknown" + round;
        ExchangeDescriptor unknown = descriptor.toBuilder()
                .setExchange(ExchangeRef.newBuilder(descriptor.getExchange()).setExchangeId(unknownId))
                .build();
        SpoolExchangeSourceHandle forged = new SpoolExchangeSourceHandle(new SpoolExchangeDescriptor(unknown), handle.getPartitionId(), handle.getDataSizeInBytes(), handle.getFiles());
        ExchangeSourceOutputSelector selector = finalSelector(Map.of(new ExchangeId(unknownId), allSinks(HEALTHY_SINKS)), HEALTHY_SINKS);
        return verify(read(selector, List.of(forged), Integer.MAX_VALUE));
    }

    private Void readClosedExchange(Committed previous)
            throws Exception
    {
        SpoolExchangeSourceHandle handle = (SpoolExchangeSourceHandle) previous.closedHandles().get(0);
        ExchangeSourceOutputSelector selector = finalSelector(Map.of(new ExchangeId(handle.getExchange().exchangeId()), new int[][] {{0, 0}}), 1);
        return verify(read(selector, previous.closedHandles(), Integer.MAX_VALUE));
    }

    /**
     * Reads until the source finishes or {@code limit} pages were read, then closes it. When the
     * source fails, the pages it handed out before are checked before the failure is passed on.
     */
    private List<Slice> read(ExchangeSourceOutputSelector selector, List<ExchangeSourceHandle> handles, int limit)
            throws Exception
    {
        ExchangeSource source = manager.createSource();
        List<Slice> pages = new ArrayList<>();
        try {
            source.setOutputSelector(selector);
            source.addSourceHandles(handles);
            source.noMoreSourceHandles();
            while (!source.isFinished() && pages.size() < limit) {
                Slice page = source.read();
                if (page == null) {
                    source.isBlocked().get(BOUND.toSeconds(), TimeUnit.SECONDS);
                }
                else {
                    pages.add(page);
                }
            }
            return pages;
        }
        catch (TrinoException e) {
            verify(pages);
            throw e;
        }
        finally {
            source.close();
        }
    }

    private static Void verify(List<Slice> pages)
    {
        pages.forEach(VerifiablePages::verify);
        return null;
    }

    private static void add(ExchangeSink sink, int partition, Slice page)
            throws Exception
    {
        sink.isBlocked().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        sink.add(partition, page);
    }

    private void tamperLastByte(Exchange exchange)
            throws IOException
    {
        List<Path> files = server.dataFiles(exchange.getId().getId());
        if (files.isEmpty()) {
            throw new AssertionError("no data file of " + exchange.getId());
        }
        try (RandomAccessFile data = new RandomAccessFile(files.get(0).toFile(), "rw")) {
            long last = data.length() - 1;
            data.seek(last);
            int value = data.read();
            data.seek(last);
            data.write(value ^ 0x5A);
        }
    }

    private static int[][] allSinks(int sinks)
    {
        int[][] included = new int[sinks][];
        for (int sink = 0; sink < sinks; sink++) {
            included[sink] = new int[] {sink, 0};
        }
        return included;
    }
}
