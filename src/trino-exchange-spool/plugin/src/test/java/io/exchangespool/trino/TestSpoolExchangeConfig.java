package io.exchangespool.trino;

import io.trino.spi.TrinoException;
import io.trino.spi.exchange.ExchangeManagerContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestSpoolExchangeConfig
{
    @Test
    void factoryIsNamedSpool()
    {
        assertEquals("spool", new SpoolExchangeManagerFactory().getName());
        assertEquals(1, ((java.util.List<?>) new SpoolPlugin().getExchangeManagerFactories()).size());
    }

    @Test
    void defaults()
    {
        SpoolExchangeConfig config = SpoolExchangeConfig.fromProperties(Map.of());
        assertEquals("127.0.0.1:9477", config.address());
        assertEquals(Duration.ofSeconds(30), config.controlTimeout());
        assertEquals(Duration.ofSeconds(10), config.connectTimeout());
        assertEquals(Duration.ofSeconds(30), config.keepAliveTime());
        assertEquals(1024 * 1024, config.sinkBatchSize());
        assertEquals(4 * 1024 * 1024, config.sourceBufferSize());
        assertEquals(32 * 1024 * 1024, config.maxMessageSize());
        assertEquals(64, config.streamsPerConnection());
        assertEquals(8, config.maxDataConnections());
    }

    @Test
    void everyClientKeyIsRead()
    {
        SpoolExchangeConfig config = SpoolExchangeConfig.fromProperties(Map.of(
                "exchange.spool.address", "localhost:1234",
                "exchange.spool.client.control-timeout", "5s",
                "exchange.spool.client.connect-timeout", "500ms",
                "exchange.spool.client.keepalive-time", "1m",
                "exchange.spool.client.sink-batch-size", "256kB",
                "exchange.spool.client.source-buffer-size", "8MB",
                "exchange.spool.client.max-message-size", "64MB",
                "exchange.spool.client.streams-per-connection", "100",
                "exchange.spool.client.max-data-connections", "2"));
        assertEquals("localhost:1234", config.address());
        assertEquals(Duration.ofSeconds(5), config.controlTimeout());
        assertEquals(Duration.ofMillis(500), config.connectTimeout());
        assertEquals(Duration.ofMinutes(1), config.keepAliveTime());
        assertEquals(256 * 1024, config.sinkBatchSize());
        assertEquals(8 * 1024 * 1024, config.sourceBufferSize());
        assertEquals(64 * 1024 * 1024, config.maxMessageSize());
        assertEquals(100, config.streamsPerConnection());
        assertEquals(2, config.maxDataConnections());
    }

    @Test
    void theServersStorageKeysAreIgnored()
    {
        SpoolExchangeConfig config = SpoolExchangeConfig.fromProperties(Map.of(
                "exchange-manager.name", "spool",
                "exchange.base-directories", "/var/spool/a,/var/spool/b",
                "exchange.sink-max-file-size", "1GB",
                "exchange.source-concurrent-readers", "4",
                "exchange.max-output-partition-count", "1000",
                "exchange.encryption-enabled", "false",
                "exchange.spool.memory-limit", "2GB"));
        assertEquals("127.0.0.1:9477", config.address());
    }

    @Test
    void badAddress_failsCreateNamingTheKey()
    {
        assertFailsNaming("exchange.spool.address", Map.of("exchange.spool.address", "no-port"));
        assertFailsNaming("exchange.spool.address", Map.of("exchange.spool.address", "127.0.0.1:0"));
    }

    @Test
    void badTimeout_failsCreateNamingTheKey()
    {
        assertFailsNaming("exchange.spool.client.control-timeout", Map.of("exchange.spool.client.control-timeout", "soon"));
    }

    @Test
    void badDataSize_failsCreateNamingTheKey()
    {
        assertFailsNaming("exchange.spool.client.sink-batch-size", Map.of("exchange.spool.client.sink-batch-size", "1TB"));
        assertFailsNaming("exchange.spool.client.sink-batch-size", Map.of("exchange.spool.client.sink-batch-size", "1kB"));
    }

    @Test
    void badCount_failsCreateNamingTheKey()
    {
        assertFailsNaming("exchange.spool.client.max-data-connections", Map.of("exchange.spool.client.max-data-connections", "0"));
        assertFailsNaming("exchange.spool.client.max-data-connections", Map.of("exchange.spool.client.max-data-connections", "eight"));
        assertFailsNaming("exchange.spool.client.max-data-connections", Map.of("exchange.spool.client.max-data-connections", "65"));
        assertFailsNaming("exchange.spool.client.streams-per-connection", Map.of("exchange.spool.client.streams-per-connection", "-1"));
        assertFailsNaming("exchange.spool.client.streams-per-connection", Map.of("exchange.spool.client.streams-per-connection", "100001"));
    }

    @Test
    void unknownClientKey_failsCreateNamingTheKey()
    {
        assertFailsNaming("exchange.spool.client.control-timout", Map.of("exchange.spool.client.control-timout", "5s"));
    }

    private static void assertFailsNaming(String key, Map<String, String> properties)
    {
        TrinoException error = assertThrows(TrinoException.class, () -> new SpoolExchangeManagerFactory().create(properties, new ExchangeManagerContext() {}));
        assertEquals(SpoolErrorCode.SPOOL_CONFIGURATION_INVALID.toErrorCode(), error.getErrorCode());
        assertTrue(error.getMessage().contains(key), error.getMessage());
    }
}
