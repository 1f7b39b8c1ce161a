package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.exchangespool.trino.EngineDriver.allHandles;
import static io.exchangespool.trino.EngineDriver.createExchange;
import static io.exchangespool.trino.EngineDriver.finalSelector;
import static io.exchangespool.trino.EngineDriver.read;
import static io.exchangespool.trino.EngineDriver.strings;
import static io.exchangespool.trino.EngineDriver.writeAndFinish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD;

/**
 * The server killed (SIGKILL, by its pid) while a sink writes or a source reads, and restarted on
 * the same address with the same base directories, as a restarted sidecar is. Uses a server of its
 * own so that the shared one is not disturbed; its methods run one after the other, each starting
 * with the server up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(SAME_THREAD)
class TestSpoolServerRestart
{
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int PAGE_SIZE = 64 * 1024;

    private TestingSpoolServer server;
    private SpoolExchangeManager manager;

    @BeforeAll
    void startServer()
    {
        server = TestingSpoolServer.privateServer("restart");
        manager = server.createManager(Map.of(
                SpoolExchangeConfig.CONTROL_TIMEOUT, "5s",
                SpoolExchangeConfig.CONNECT_TIMEOUT, "2s",
                SpoolExchangeConfig.KEEPALIVE_TIME, "5s",
                SpoolExchangeConfig.SINK_BATCH_SIZE, "256kB",
                SpoolExchangeConfig.SOURCE_BUFFER_SIZE, "1MB"));
    }

    @AfterAll
    void stopServer()
    {
        try {
            if (manager != null) {
                manager.shutdown();
            }
        }
        finally {
            server.close();
        }
    }

    @BeforeEach
    @AfterEach
    void serverUp()
    {
        if (!server.isAlive()) {
            server.restart();
        }
    }

    @Test
    void sinkFinish_serverKilledMidStream_failsNamingTheAddressAndAbortDoesNotHang()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 2, false);
        ExchangeSinkHandle sinkHandle = exchange.addSink(0);
        exchange.noMoreSinks();
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(sinkHandle, 0).get(BOUND.toSeconds(), TimeUnit.SECONDS));
        for (int i = 0; i < 16; i++) {
            sink.add(i % 2, page(i));
        }
        sink.isBlocked().get(BOUND.toSeconds(), TimeUnit.SECONDS);

        server.kill();

        CompletableFuture<Void> finish = sink.finish();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> finish.get(BOUND.toSeconds(), TimeUnit.SECONDS));
        assertNamesServerAndCause(failed.getCause());
        assertCompletes(sink.abort());
    }

    @Test
    void sinkAdd_serverKilledMidStream_failsNamingTheAddressAndAbortDoesNotHang()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSinkHandle sinkHandle = exchange.addSink(0);
        exchange.noMoreSinks();
        ExchangeSink sink = manager.createSink(exchange.instantiateSink(sinkHandle, 0).get(BOUND.toSeconds(), TimeUnit.SECONDS));
        sink.add(0, page(0));

        server.kill();

        // The engine's loop: add while not blocked, wait on isBlocked() otherwise. It must end in a
        // failed add(), with isBlocked() never pending past the bound.
        long deadline = System.nanoTime() + BOUND.toNanos();
        TrinoException failure = null;
        for (int i = 1; failure == null; i++) {
            assertTrue(System.nanoTime() < deadline, "add() did not fail within " + BOUND + " after the server was killed");
            sink.isBlocked().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            try {
                sink.add(0, page(i));
            }
            catch (TrinoException e) {
                failure = e;
            }
        }
        assertNamesServerAndCause(failure);
        assertCompletes(sink.abort());
    }

    @Test
    void source_serverKilledMidStream_failsNamingTheAddressAndCloseDoesNotHang()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        ExchangeSinkHandle sinkHandle = exchange.addSink(0);
        exchange.noMoreSinks();
        // 16MB against a 1MB source buffer: most of it is still on the server when it dies.
        List<EngineDriver.Page> pages = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            pages.add(new EngineDriver.Page(0, page(i)));
        }
        writeAndFinish(manager, exchange, sinkHandle, 0, pages);
        exchange.sinkFinished(sinkHandle, 0);
        exchange.allRequiredSinksFinished();
        List<ExchangeSourceHandle> handles = allHandles(exchange);

        ExchangeSource source = manager.createSource();
        try {
            source.setOutputSelector(finalSelector(exchange, 1, new int[] {0, 0}));
            source.addSourceHandles(handles);
            source.noMoreSourceHandles();
            source.isBlocked().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            // Not preserving order, the server may start with any handle.
            assertEquals(PAGE_SIZE, source.read().length());

            server.kill();

            long deadline = System.nanoTime() + BOUND.toNanos();
            TrinoException failure = null;
            int read = 1;
            while (failure == null) {
                assertTrue(System.nanoTime() < deadline, "read() did not fail within " + BOUND + " after the server was killed");
                assertTrue(!source.isFinished(), "the source finished after " + read + " of 256 pages without reporting the lost server");
                source.isBlocked().get(BOUND.toSeconds(), TimeUnit.SECONDS);
                try {
                    if (source.read() != null) {
                        read++;
                    }
                }
                catch (TrinoException e) {
                    failure = e;
                }
            }
            assertTrue(read < 256, "all pages were read although the server was killed");
            assertNamesServerAndCause(failure);
        }
        finally {
            assertTimeoutPreemptively(BOUND, source::close);
        }
        exchange.close();
    }

    @Test
    void restartOnTheSameAddress_committedDataStaysReadableAndNewExchangesWork()
            throws Exception
    {
        Exchange exchange = createExchange(manager, 2, false);
        ExchangeSinkHandle sink0 = exchange.addSink(0);
        ExchangeSinkHandle sink1 = exchange.addSink(1);
        exchange.noMoreSinks();
        writeAndFinish(manager, exchange, sink0, 0, strings(0, "0-0", 1, "0-1"));
        exchange.sinkFinished(sink0, 0);
        writeAndFinish(manager, exchange, sink1, 0, strings(0, "1-0", 1, "1-1"));
        exchange.sinkFinished(sink1, 0);
        exchange.allRequiredSinksFinished();
        List<ExchangeSourceHandle> handles = allHandles(exchange);

        server.kill();
        // Calls while the server is down fail at once, naming it; they leave both channels failed
        // to connect, in reconnect backoff, as a sidecar restart under load does.
        TrinoException down = assertTimeoutPreemptively(BOUND, () -> assertThrows(TrinoException.class, () -> createExchange(manager, 1, false)));
        assertNamesServerAndCause(down);
        TrinoException readDown = assertTimeoutPreemptively(BOUND, () -> assertThrows(TrinoException.class,
                () -> read(manager, finalSelector(exchange, 2, new int[] {0, 0}, new int[] {1, 0}), handles)));
        assertNamesServerAndCause(readDown);
        server.restart();

        // The same manager (its channels saw the connection drop) and the handles from before the restart.
        List<String> readBack = assertTimeoutPreemptively(BOUND, () -> EngineDriver.asStrings(
                read(manager, finalSelector(exchange, 2, new int[] {0, 0}, new int[] {1, 0}), handles)));
        assertEquals(List.of("0-0", "0-1", "1-0", "1-1"), readBack.stream().sorted().toList());

        Exchange next = assertTimeoutPreemptively(BOUND, () -> createExchange(manager, 1, false));
        ExchangeSinkHandle nextSink = next.addSink(0);
        next.noMoreSinks();
        writeAndFinish(manager, next, nextSink, 0, strings(0, "after restart"));
        next.sinkFinished(nextSink, 0);
        next.allRequiredSinksFinished();
        List<ExchangeSourceHandle> nextHandles = allHandles(next);
        assertEquals(List.of("after restart"), EngineDriver.asStrings(read(manager, finalSelector(next, 1, new int[] {0, 0}), nextHandles)));
        next.close();
        exchange.close();
    }

    private void assertNamesServerAndCause(Throwable failure)
    {
        TrinoException error = assertInstanceOf(TrinoException.class, failure);
        assertEquals(SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE.toErrorCode(), error.getErrorCode(), error.toString());
        assertTrue(error.getMessage().contains("exchange-spool server at " + server.address()), error.getMessage());
        assertTrue(error.getMessage().contains("UNAVAILABLE"), error.getMessage());
    }

    /** Completes within the bound, normally or not (the server may be unreachable). */
    private static void assertCompletes(CompletableFuture<?> future)
            throws InterruptedException
    {
        try {
            future.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
        catch (ExecutionException ignored) {
            // Failing to reach a dead server is fine; hanging is not.
        }
        catch (TimeoutException e) {
            throw new AssertionError("did not complete within " + BOUND, e);
        }
    }

    private static Slice page(int index)
    {
        byte[] bytes = new byte[PAGE_SIZE];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (index * 31 + i);
        }
        return Slices.wrappedBuffer(bytes);
    }
}
