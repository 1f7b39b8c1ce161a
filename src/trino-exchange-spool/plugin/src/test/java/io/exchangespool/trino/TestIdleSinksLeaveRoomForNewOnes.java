package io.exchangespool.trino;

import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.exchangespool.trino.EngineDriver.allHandles;
import static io.exchangespool.trino.EngineDriver.asStrings;
import static io.exchangespool.trino.EngineDriver.createExchange;
import static io.exchangespool.trino.EngineDriver.finalSelector;
import static io.exchangespool.trino.EngineDriver.read;
import static io.exchangespool.trino.EngineDriver.strings;
import static io.exchangespool.trino.EngineDriver.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker holds many sink streams open while their tasks wait, more than one connection may carry
 * at once (the server's limit per connection): a new sink must still start and commit, because the
 * plugin spreads data streams over more connections instead of queueing them behind idle ones.
 */
class TestIdleSinksLeaveRoomForNewOnes
{
    // Long enough for a busy machine, far below the forever that a queued stream waits.
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void aSinkStartedAfter120IdleOnes_commits()
            throws Exception
    {
        SpoolExchangeManager manager = TestingSpoolServer.shared().createManager();
        try {
            idleSinksThenOneThatCommits(manager, 120);
        }
        finally {
            manager.shutdown();
        }
    }

    /** Needs a server that takes exchange.spool.max-streams-per-connection. */
    @Test
    void aSinkStartedAfter40IdleOnes_commitsWhenTheServerTakesEightStreamsPerConnection()
            throws Exception
    {
        TestingSpoolServer server = TestingSpoolServer.privateServer("eight-streams-per-connection", List.of("--exchange.spool.max-streams-per-connection=8"), Map.of());
        SpoolExchangeManager manager = server.createManager(Map.of(SpoolExchangeConfig.STREAMS_PER_CONNECTION, "8"));
        try {
            idleSinksThenOneThatCommits(manager, 40);
        }
        finally {
            manager.shutdown();
            server.close();
        }
    }

    private static void idleSinksThenOneThatCommits(SpoolExchangeManager manager, int idleSinks)
            throws Exception
    {
        Exchange exchange = createExchange(manager, 1, false);
        List<ExchangeSink> idle = new ArrayList<>();
        for (int sink = 0; sink < idleSinks; sink++) {
            idle.add(write(manager, exchange, exchange.addSink(sink), 0, strings(0, "held back")));
        }
        ExchangeSinkHandle last = exchange.addSink(idleSinks);
        exchange.noMoreSinks();

        write(manager, exchange, last, 0, strings(0, "after the idle ones")).finish().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        exchange.sinkFinished(last, 0);
        exchange.allRequiredSinksFinished();
        assertEquals(List.of("after the idle ones"), asStrings(read(manager, finalSelector(exchange, idleSinks + 1, new int[] {idleSinks, 0}), allHandles(exchange))));

        for (ExchangeSink sink : idle) {
            sink.abort().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
        exchange.close();
    }
}
