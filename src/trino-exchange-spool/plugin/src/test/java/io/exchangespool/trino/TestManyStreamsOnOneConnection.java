package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.exchangespool.protocol.v1.ExchangeDescriptor;
import io.exchangespool.protocol.v1.ExchangeRef;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static io.exchangespool.trino.EngineDriver.allHandles;
import static io.exchangespool.trino.EngineDriver.createExchange;
import static io.exchangespool.trino.EngineDriver.finalSelector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every kind of stream a worker runs, healthy and ending early, many at once on ONE data
 * connection, round after round: each healthy stream's pages arrive byte-exact, each failing stream
 * fails with its own error, and no stream's end takes the connection (and with it every other
 * stream) down.
 */
@Isolated
class TestManyStreamsOnOneConnection
{
    private static final int MIB = 1024 * 1024;
    private static final int MAX_PAGE = 16 * MIB - 4;
    private static final int ROUNDS = 21;
    private static final int PARTITIONS = 4;
    private static final int HEALTHY_SINKS = 10;
    private static final Duration ROUND_BOUND = Duration.ofSeconds(60);

    @Test
    void everyStreamEndsWithItsOwnOutcome_atTheServersDefaultStreamLimit()
            throws Exception
    {
        runRounds("one-connection-default", List.of());
    }

    private void runRounds(String name, List<String> serverArguments)
            throws Exception
    {
        List<String> arguments = new ArrayList<>(List.of("--exchange.spool.metrics-address=127.0.0.1:0"));
        arguments.addAll(serverArguments);
        TestingSpoolServer server = TestingSpoolServer.privateServer(name, arguments, Map.of("Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel", "Debug"));
        ExecutorService threads = Executors.newCachedThreadPool();
        SpoolExchangeManager manager = server.createManager(Map.of(SpoolExchangeConfig.SINK_BATCH_SIZE, "256kB"));
        try {
            Written previous = null;
            for (int round = 0; round < ROUNDS; round++) {
                previous = new Round(round, server, manager, threads).run(previous, round < ROUNDS - 1);
            }
            OptionalDouble connectionErrors = PrometheusScrape.value(server.metricsBase().orElseThrow(), "exchangespool_http2_connection_errors_total");
            assertTrue(connectionErrors.isPresent(), "the server exports no exchangespool_http2_connection_errors_total");
            assertEquals(0, connectionErrors.getAsDouble(), "HTTP/2 connection errors the server reported");
        }
        finally {
            manager.shutdown();
            threads.shutdownNow();
            server.close();
        }
    }

    /** What a round committed for the next one to read. */
    private record Written(Exchange healthy, Map<Integer, Set<Long>> pagesByPartition, List<ExchangeSourceHandle> healthyHandles,
            Exchange tampered, List<ExchangeSourceHandle> tamperedHandles, List<ExchangeSourceHandle> closedHandles) {}

    /** How one stream ended: its kind, and the failure it ended with (null when none). */
    private record Ending(String kind, Throwable failure) {}

    private static final class Round
    {
        private final int round;
        private final TestingSpoolServer server;
        private final SpoolExchangeManager manager;
        private final ExecutorService threads;
        private final List<Future<Ending>> streams = new ArrayList<>();
        private final Map<String, Expectation> expectations = new ConcurrentHashMap<>();

        Round(int round, TestingSpoolServer server, SpoolExchangeManager manager, ExecutorService threads)
        {
            this.round = round;
            this.server = server;
            this.manager = manager;
            this.threads = threads;
        }

        Written run(Written previous, boolean write)
                throws Exception
        {
            Exchange healthy = null;
            Exchange tampered = null;
            Exchange toClose = null;
            Exchange closedWhileWriting = null;
            Exchange other = null;
            Map<Integer, Set<Long>> expected = new ConcurrentHashMap<>();
            List<ExchangeSinkHandle> healthySinks = new ArrayList<>();
            ExchangeSinkHandle tamperedSink = null;
            ExchangeSinkHandle closedSink = null;
            if (write) {
                healthy = createExchange(manager, PARTITIONS, false);
                tampered = createExchange(manager, 1, false);
                toClose = createExchange(manager, 1, false);
                closedWhileWriting = createExchange(manager, 1, false);
                Exchange shared = createExchange(manager, PARTITIONS, false);
                other = shared;
                for (int sink = 0; sink < HEALTHY_SINKS; sink++) {
                    healthySinks.add(healthy.addSink(sink));
                }
                tamperedSink = tampered.addSink(0);
                closedSink = toClose.addSink(0);
                for (int sink = 0; sink < HEALTHY_SINKS; sink++) {
                    int sinkId = sink;
                    ExchangeSinkHandle handle = healthySinks.get(sink);
                    Exchange exchange = healthy;
                    start("healthy sink", Expectation.SUCCEEDS, () -> writeHealthy(exchange, handle, sinkId, expected));
                }
                Exchange tamperedExchange = tampered;
                ExchangeSinkHandle tamperedHandle = tamperedSink;
                start("sink of the exchange read tampered", Expectation.SUCCEEDS, () -> writeAndFinish(tamperedExchange, tamperedHandle, 1, 64, 48 * 1024));
                Exchange closedExchange = toClose;
                ExchangeSinkHandle closedHandle = closedSink;
                start("sink of the exchange read closed", Expectation.SUCCEEDS, () -> writeAndFinish(closedExchange, closedHandle, 2, 8, 1024));
                start("page too large for the server", Expectation.failsWith(SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED), () -> writePageTooLargeForTheServer(shared));
                start("page too large for the plugin", Expectation.failsWith(SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED), () -> writePageTooLargeForThePlugin(shared));
                start("partition out of range in a sink", Expectation.failsWith(IllegalArgumentException.class), () -> writePartitionOutOfRange(shared));
                for (int sink = 0; sink < 3; sink++) {
                    int sinkId = 10 + sink;
                    start("sink aborted while writing", Expectation.SUCCEEDS, () -> abortWhileWriting(shared, sinkId));
                }
                for (int sink = 0; sink < 2; sink++) {
                    int sinkId = 20 + sink;
                    start("abort racing finish", Expectation.succeedsOrFailsWith(SpoolErrorCode.SPOOL_SINK_ABORTED), () -> abortRacingFinish(shared, sinkId));
                }
                Exchange closing = closedWhileWriting;
                List<CompletableFuture<Void>> writing = new ArrayList<>();
                for (int sink = 0; sink < 2; sink++) {
                    int sinkId = sink;
                    CompletableFuture<Void> started = new CompletableFuture<>();
                    writing.add(started);
                    start("sink of an exchange closed while it writes", Expectation.SUCCEEDS_OR_FAILS, () -> writeUntilClosed(closing, sinkId, started));
                }
                CompletableFuture.allOf(writing.toArray(CompletableFuture[]::new)).thenRun(closing::close);
            }
            if (previous != null) {
                ExchangeSourceOutputSelector healthySelector = selectAll(previous.healthy(), HEALTHY_SINKS);
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    int readPartition = partition;
                    start("healthy source", Expectation.SUCCEEDS, () -> readHealthy(healthySelector, previous, readPartition));
                }
                for (int source = 0; source < 2; source++) {
                    start("source closed while reading", Expectation.SUCCEEDS, () -> closeWhileReading(healthySelector, previous));
                }
                start("source with a partition out of range", Expectation.failsWith(SpoolErrorCode.SPOOL_SERVER_ERROR),
                        () -> readPartitionOutOfRange(healthySelector, previous));
                start("source of an unknown exchange", Expectation.FAILS, () -> readUnknownExchange(previous));
                start("source of a closed exchange", Expectation.FAILS, () -> readClosedExchange(previous));
                tamperLastByte(previous.tampered());
                ExchangeSourceOutputSelector tamperedSelector = finalSelector(previous.tampered(), 1, new int[] {0, 0});
                start("source of a tampered file", Expectation.FAILS,
                        () -> readToEnd(tamperedSelector, previous.tamperedHandles()));
            }
            List<String> problems = new ArrayList<>();
            for (Future<Ending> stream : streams) {
                Ending ending;
                try {
                    ending = stream.get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
                }
                catch (TimeoutException e) {
                    problems.add("a stream did not end within " + ROUND_BOUND);
                    continue;
                }
                catch (ExecutionException e) {
                    problems.add("a stream's check failed: " + e.getCause());
                    continue;
                }
                String problem = expectations.get(ending.kind()).check(ending.failure());
                if (problem != null) {
                    problems.add("%s: %s".formatted(ending.kind(), problem));
                }
            }
            if (!problems.isEmpty()) {
                fail("round %s: %s streams ended wrongly:%n%s".formatted(round, problems.size(), String.join("\n", problems)));
            }
            if (previous != null) {
                previous.healthy().close();
                previous.tampered().close();
            }
            if (!write) {
                return null;
            }
            other.close();
            for (int sink = 0; sink < HEALTHY_SINKS; sink++) {
                healthy.sinkFinished(healthySinks.get(sink), 0);
            }
            healthy.allRequiredSinksFinished();
            tampered.sinkFinished(tamperedSink, 0);
            tampered.allRequiredSinksFinished();
            toClose.sinkFinished(closedSink, 0);
            toClose.allRequiredSinksFinished();
            List<ExchangeSourceHandle> closedHandles = allHandles(toClose);
            toClose.close();
            return new Written(healthy, expected, allHandles(healthy), tampered, allHandles(tampered), closedHandles);
        }

        private void start(String kind, Expectation expectation, Callable<Void> stream)
        {
            expectations.put(kind, expectation);
            streams.add(threads.submit(() -> {
                try {
                    stream.call();
                    return new Ending(kind, null);
                }
                catch (AssertionError e) {
                    throw e;
                }
                catch (Throwable e) {
                    return new Ending(kind, e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
                }
            }));
        }

        private long pageId(int kind, int stream, int index)
        {
            return ((long) round << 40) | ((long) kind << 32) | ((long) stream << 20) | index;
        }

        private Void writeHealthy(Exchange exchange, ExchangeSinkHandle handle, int sinkId, Map<Integer, Set<Long>> expected)
                throws Exception
        {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(handle, 0).get());
            int pages = 24;
            for (int index = 0; index < pages; index++) {
                int partition = (sinkId + index) % PARTITIONS;
                int length = sinkId == 0 && index == 0 ? (round % 4 == 0 ? MAX_PAGE : 2 * MIB) : VerifiablePages.HEADER_SIZE + (index * 7919 + sinkId * 104729) % (64 * 1024);
                long id = pageId(1, sinkId, index);
                add(sink, partition, VerifiablePages.page(id, length));
                expected.computeIfAbsent(partition, ignored -> ConcurrentHashMap.newKeySet()).add(id);
            }
            sink.finish().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        }

        private Void writeAndFinish(Exchange exchange, ExchangeSinkHandle handle, int kind, int pages, int length)
                throws Exception
        {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(handle, 0).get());
            for (int index = 0; index < pages; index++) {
                add(sink, 0, VerifiablePages.page(pageId(kind, 0, index), length));
            }
            sink.finish().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        }

        /** A page the plugin lets through (its descriptor claims a larger limit, as a server configured differently would) and the server refuses. */
        private Void writePageTooLargeForTheServer(Exchange exchange)
                throws Exception
        {
            SpoolExchangeSinkInstanceHandle handle = (SpoolExchangeSinkInstanceHandle) exchange.instantiateSink(exchange.addSink(30), 0).get();
            ExchangeDescriptor descriptor = handle.getExchange().descriptor();
            ExchangeDescriptor larger = descriptor.toBuilder()
                    .setSettings(descriptor.getSettings().toBuilder().setMaxPageStorageSize(32L * MIB))
                    .build();
            ExchangeSink sink = manager.createSink(new SpoolExchangeSinkInstanceHandle(new SpoolExchangeDescriptor(larger), handle.getSinkId(), handle.getAttemptId()));
            return writeThenFinish(sink, List.of(1024, MAX_PAGE + 1, 1024, 1024));
        }

        private Void writePageTooLargeForThePlugin(Exchange exchange)
                throws Exception
        {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(31), 0).get());
            try {
                return writeThenFinish(sink, List.of(64 * 1024, 64 * 1024, MAX_PAGE + 1));
            }
            finally {
                sink.abort().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        }

        private Void writePartitionOutOfRange(Exchange exchange)
                throws Exception
        {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(32), 0).get());
            try {
                add(sink, 0, VerifiablePages.page(pageId(3, 32, 0), 64 * 1024));
                add(sink, PARTITIONS, VerifiablePages.page(pageId(3, 32, 1), 1024));
                return null;
            }
            finally {
                sink.abort().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        }

        private Void writeThenFinish(ExchangeSink sink, List<Integer> lengths)
                throws Exception
        {
            for (int index = 0; index < lengths.size(); index++) {
                add(sink, index % PARTITIONS, VerifiablePages.page(pageId(4, 0, index), lengths.get(index)));
            }
            sink.finish().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        }

        private Void abortWhileWriting(Exchange exchange, int sinkId)
                throws Exception
        {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(sinkId), 0).get());
            for (int index = 0; index < 16; index++) {
                add(sink, index % PARTITIONS, VerifiablePages.page(pageId(5, sinkId, index), 96 * 1024));
            }
            sink.abort().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        }

        private Void abortRacingFinish(Exchange exchange, int sinkId)
                throws Exception
        {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(exchange.addSink(sinkId), 0).get());
            for (int index = 0; index < 8; index++) {
                add(sink, index % PARTITIONS, VerifiablePages.page(pageId(6, sinkId, index), 48 * 1024));
            }
            CompletableFuture<Void> finish = sink.finish();
            sink.abort().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            finish.get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        }

        /** Writes until the exchange, closed once this sink has started, makes it fail, or finishes if it never does. */
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
            sink.finish().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        }

        private Void readHealthy(ExchangeSourceOutputSelector selector, Written previous, int partition)
                throws Exception
        {
            List<ExchangeSourceHandle> handles = EngineDriver.ofPartition(previous.healthyHandles(), partition);
            Set<Long> read = new HashSet<>();
            for (Slice page : readToEnd(selector, handles, Integer.MAX_VALUE)) {
                assertTrue(read.add(VerifiablePages.verify(page)), "a page was read twice");
            }
            assertEquals(previous.pagesByPartition().getOrDefault(partition, Set.of()), read, "pages of partition " + partition);
            return null;
        }

        private Void closeWhileReading(ExchangeSourceOutputSelector selector, Written previous)
                throws Exception
        {
            for (Slice page : readToEnd(selector, previous.healthyHandles(), 3)) {
                VerifiablePages.verify(page);
            }
            return null;
        }

        private Void readPartitionOutOfRange(ExchangeSourceOutputSelector selector, Written previous)
                throws Exception
        {
            SpoolExchangeSourceHandle handle = (SpoolExchangeSourceHandle) previous.healthyHandles().get(0);
            readToEnd(selector, List.of(new SpoolExchangeSourceHandle(handle.getExchange(), PARTITIONS, handle.getDataSizeInBytes(), handle.getFiles())), Integer.MAX_VALUE);
            return null;
        }

        private Void readUnknownExchange(Written previous)
                throws Exception
        {
            SpoolExchangeSourceHandle handle = (SpoolExchangeSourceHandle) previous.healthyHandles().get(0);
            ExchangeDescriptor descriptor = handle.getExchange().descriptor();
            ExchangeDescriptor unknown = descriptor.toBuilder()
                    .setExchange(ExchangeRef.newBuilder(descriptor.getExchange()).setExchangeId("unknown" + round))
                    .build();
            SpoolExchangeSourceHandle forged = new SpoolExchangeSourceHandle(new SpoolExchangeDescriptor(unknown), handle.getPartitionId(), handle.getDataSizeInBytes(), handle.getFiles());
            readToEnd(finalSelector(Map.of(new io.trino.spi.exchange.ExchangeId("unknown" + round), allSinks(HEALTHY_SINKS)), HEALTHY_SINKS), List.of(forged), Integer.MAX_VALUE);
            return null;
        }

        private Void readClosedExchange(Written previous)
                throws Exception
        {
            SpoolExchangeSourceHandle handle = (SpoolExchangeSourceHandle) previous.closedHandles().get(0);
            ExchangeSourceOutputSelector selector = finalSelector(Map.of(new io.trino.spi.exchange.ExchangeId(handle.getExchange().exchangeId()), new int[][] {{0, 0}}), 1);
            readToEnd(selector, previous.closedHandles(), Integer.MAX_VALUE);
            return null;
        }

        private Void readToEnd(ExchangeSourceOutputSelector selector, List<ExchangeSourceHandle> handles)
                throws Exception
        {
            for (Slice page : readToEnd(selector, handles, Integer.MAX_VALUE)) {
                VerifiablePages.verify(page);
            }
            return null;
        }

        /** Reads until the source finishes or {@code limit} pages were read, then closes the source; pages are checked by the caller. */
        private List<Slice> readToEnd(ExchangeSourceOutputSelector selector, List<ExchangeSourceHandle> handles, int limit)
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
                        source.isBlocked().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
                    }
                    else {
                        pages.add(page);
                    }
                }
                return pages;
            }
            catch (TrinoException e) {
                pages.forEach(VerifiablePages::verify);
                throw e;
            }
            finally {
                source.close();
            }
        }

        private void add(ExchangeSink sink, int partition, Slice page)
                throws Exception
        {
            sink.isBlocked().get(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS);
            sink.add(partition, page);
        }

        private void tamperLastByte(Exchange exchange)
                throws IOException
        {
            // Only the exchange's own directories are walked: others are being deleted meanwhile.
            List<Path> exchangeDirectories = new ArrayList<>();
            try (Stream<Path> baseDirectories = Files.list(server.storageRoot())) {
                for (Path baseDirectory : baseDirectories.toList()) {
                    try (Stream<Path> exchanges = Files.list(baseDirectory)) {
                        exchanges.filter(path -> path.getFileName().toString().endsWith("." + exchange.getId().getId())).forEach(exchangeDirectories::add);
                    }
                }
            }
            Path file = null;
            for (Path directory : exchangeDirectories) {
                try (Stream<Path> files = Files.walk(directory)) {
                    file = files.filter(path -> path.toString().endsWith(".data")).findFirst().orElse(file);
                }
            }
            if (file == null) {
                throw new AssertionError("no data file of " + exchange.getId());
            }
            try (RandomAccessFile data = new RandomAccessFile(file.toFile(), "rw")) {
                data.seek(data.length() - 1);
                int last = data.read();
                data.seek(data.length() - 1);
                data.write(last ^ 0x5A);
            }
        }

        private static ExchangeSourceOutputSelector selectAll(Exchange exchange, int sinks)
        {
            return finalSelector(Map.of(exchange.getId(), allSinks(sinks)), sinks);
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

    /** What a stream's end must be; {@link #check} names what is wrong, or returns null. */
    private interface Expectation
    {
        Expectation SUCCEEDS = failure -> failure == null ? null : "failed: " + describe(failure);
        Expectation FAILS = failure -> failure == null ? "succeeded" : transportProblem(failure);
        Expectation SUCCEEDS_OR_FAILS = failure -> failure == null ? null : transportProblem(failure);

        String check(Throwable failure);

        static Expectation failsWith(SpoolErrorCode code)
        {
            return failure -> {
                if (failure == null) {
                    return "succeeded, expected " + code;
                }
                if (!(failure instanceof TrinoException trinoException) || !trinoException.getErrorCode().equals(code.toErrorCode())) {
                    return "expected %s, failed: %s".formatted(code, describe(failure));
                }
                return transportProblem(failure);
            };
        }

        static Expectation succeedsOrFailsWith(SpoolErrorCode code)
        {
            Expectation fails = failsWith(code);
            return failure -> failure == null ? null : fails.check(failure);
        }

        static Expectation failsWith(Class<? extends Throwable> type)
        {
            return failure -> type.isInstance(failure) ? null : "expected %s, got %s".formatted(type.getSimpleName(), failure == null ? "none" : describe(failure));
        }

        /** A failure caused by the connection rather than by the stream itself. */
        private static String transportProblem(Throwable failure)
        {
            String text = describe(failure);
            return text.contains("GOAWAY") || text.contains("STREAM_CLOSED") || text.contains("RST_STREAM") ? "failed through its connection: " + text : null;
        }

        private static String describe(Throwable failure)
        {
            StringBuilder text = new StringBuilder(failure.toString());
            for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                text.append(" <- ").append(cause);
            }
            return text.toString();
        }
    }
}
