package io.exchangespool.trino;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of stream a worker runs, healthy and ending early ({@link RoundOfStreams}), many at
 * once on ONE data connection, round after round: each healthy stream's pages arrive byte-exact,
 * each failing stream fails with its own error (engine code, and the server's reason), and no
 * stream's end takes the connection, and with it every other stream, down: the server reports no
 * HTTP/2 connection error.
 *
 * <p>Needs a server that gives reasons (google.rpc.ErrorInfo), exports
 * exchangespool_http2_connection_errors_total and takes exchange.spool.max-streams-per-connection.
 */
@Isolated
class TestManyStreamsOnOneConnection
{
    private static final int ROUNDS = 21;

    @Test
    void everyStreamEndsWithItsOwnOutcome_atTheServersDefaultStreamLimit()
            throws Exception
    {
        runRounds("one-connection-default", List.of());
    }

    @Test
    void everyStreamEndsWithItsOwnOutcome_whileStreamsQueueBehindAnEightStreamLimit()
            throws Exception
    {
        runRounds("one-connection-eight-streams", List.of("--exchange.spool.max-streams-per-connection=8"));
    }

    /** Round after round; each writes what the next reads, so the first only writes and the last only reads. */
    private static void runRounds(String name, List<String> serverArguments)
            throws Exception
    {
        List<String> arguments = new ArrayList<>(List.of("--exchange.spool.metrics-address=127.0.0.1:0"));
        arguments.addAll(serverArguments);
        // Kestrel's debug log names any connection error and the frame that caused it.
        TestingSpoolServer server = TestingSpoolServer.privateServer(name, arguments, Map.of("Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel", "Debug"));
        ExecutorService threads = Executors.newCachedThreadPool();
        SpoolExchangeManager manager = server.createManager(Map.of(
                SpoolExchangeConfig.MAX_DATA_CONNECTIONS, "1",
                SpoolExchangeConfig.SINK_BATCH_SIZE, "256kB"));
        try {
            RoundOfStreams.Committed previous = null;
            for (int round = 0; round <= ROUNDS; round++) {
                RoundOfStreams streams = new RoundOfStreams(round, server, manager, threads);
                RoundOfStreams.Writing writing = round < ROUNDS ? streams.startSinks() : null;
                if (previous != null) {
                    streams.startSources(previous);
                }
                streams.assertEveryStreamEndedAsExpected();
                if (previous != null) {
                    previous.close();
                }
                previous = writing == null ? null : writing.commit();
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
}
