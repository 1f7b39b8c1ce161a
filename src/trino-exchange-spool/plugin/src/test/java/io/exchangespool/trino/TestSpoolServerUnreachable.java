package io.exchangespool.trino;

import io.trino.spi.TrinoException;
import io.trino.spi.exchange.ExchangeManager;
import io.trino.spi.exchange.ExchangeManagerContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestSpoolServerUnreachable
{
    @Test
    void createExchange_failsPromptlyNamingTheAddressAndTheCause()
            throws IOException
    {
        String address = "127.0.0.1:" + freePort();
        ExchangeManager manager = new SpoolExchangeManagerFactory().create(
                Map.of("exchange.spool.address", address, "exchange.spool.client.control-timeout", "5s"), new ExchangeManagerContext() {});
        try {
            TrinoException error = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(TrinoException.class, () -> EngineDriver.createExchange(manager, 1, false)));
            assertEquals(SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE.toErrorCode(), error.getErrorCode());
            assertTrue(error.getMessage().contains(address), error.getMessage());
            assertTrue(error.getMessage().contains("UNAVAILABLE"), error.getMessage());
        }
        finally {
            manager.shutdown();
        }
    }

    private static int freePort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
