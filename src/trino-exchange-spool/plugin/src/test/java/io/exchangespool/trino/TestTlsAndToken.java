package io.exchangespool.trino;

import io.trino.spi.TrinoException;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeSinkHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.exchangespool.trino.EngineDriver.allHandles;
import static io.exchangespool.trino.EngineDriver.asStrings;
import static io.exchangespool.trino.EngineDriver.createExchange;
import static io.exchangespool.trino.EngineDriver.finalSelector;
import static io.exchangespool.trino.EngineDriver.read;
import static io.exchangespool.trino.EngineDriver.strings;
import static io.exchangespool.trino.EngineDriver.writeAndFinish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin against a real exchange-spool server with TLS (a private CA made for this class) and a
 * bearer token: grpc-java's TLS handshake (JDK provider, HTTP/2 by ALPN) and the token on every call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestTlsAndToken
{
    private static final String TOKEN = "plugin-test-token";

    private TestCertificates certificates;
    private TestingSpoolServer server;

    @BeforeAll
    void startServer()
    {
        certificates = new TestCertificates();
        server = TestingSpoolServer.privateServer("tls", List.of(
                "--exchange.spool.tls.certificate-file=" + certificates.certificateFile(),
                "--exchange.spool.tls.key-file=" + certificates.keyFile(),
                "--exchange.spool.auth.token-file=" + certificates.tokenFile("server-token", TOKEN)), Map.of());
    }

    @AfterAll
    void stopServer()
    {
        try {
            if (server != null) {
                server.close();
            }
        }
        finally {
            certificates.close();
        }
    }

    @Test
    void rightToken_overTls_writesAndReadsAnExchange()
            throws Exception
    {
        SpoolExchangeManager manager = manager(Map.of(
                SpoolExchangeConfig.TLS_CA_FILE, certificates.caFile().toString(),
                SpoolExchangeConfig.AUTH_TOKEN_FILE, certificates.tokenFile("client-token", TOKEN).toString()));
        try {
            Exchange exchange = createExchange(manager, 1, false);
            ExchangeSinkHandle sink = exchange.addSink(0);
            exchange.noMoreSinks();
            writeAndFinish(manager, exchange, sink, 0, strings(0, "over", 0, "tls"));
            exchange.sinkFinished(sink, 0);
            exchange.allRequiredSinksFinished();

            assertEquals(List.of("over", "tls"), asStrings(read(manager, finalSelector(exchange, 1, new int[] {0, 0}), allHandles(exchange))));
            exchange.close();
        }
        finally {
            manager.shutdown();
        }
    }

    @Test
    void wrongToken_failsWithTheUnauthenticatedErrorWithoutShowingAToken()
    {
        String wrong = "not-the-servers-token";
        TrinoException error = createExchangeFails(Map.of(
                SpoolExchangeConfig.TLS_CA_FILE, certificates.caFile().toString(),
                SpoolExchangeConfig.AUTH_TOKEN_FILE, certificates.tokenFile("wrong-token", wrong).toString()));

        assertEquals(SpoolErrorCode.SPOOL_SERVER_UNAUTHENTICATED.toErrorCode(), error.getErrorCode());
        assertFalse(error.getMessage().contains(wrong), error.getMessage());
        assertFalse(error.getMessage().contains(TOKEN), error.getMessage());
    }

    @Test
    void missingToken_failsWithTheUnauthenticatedError()
    {
        TrinoException error = createExchangeFails(Map.of(SpoolExchangeConfig.TLS_CA_FILE, certificates.caFile().toString()));

        assertEquals(SpoolErrorCode.SPOOL_SERVER_UNAUTHENTICATED.toErrorCode(), error.getErrorCode());
        assertTrue(error.getMessage().contains("no bearer token"), error.getMessage());
    }

    @Test
    void plaintextToTheTlsPort_failsAsAnUnavailableServer()
    {
        TrinoException error = createExchangeFails(Map.of(
                SpoolExchangeConfig.AUTH_TOKEN_FILE, certificates.tokenFile("plaintext-token", TOKEN).toString(),
                SpoolExchangeConfig.CONTROL_TIMEOUT, "5s"));

        assertEquals(SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE.toErrorCode(), error.getErrorCode());
    }

    @Test
    void caFileHoldingNoCertificate_failsTheManagerNamingTheKey()
            throws Exception
    {
        Path notACertificate = certificates.tokenFile("not-a-certificate.crt", "hello");

        TrinoException error = assertThrows(TrinoException.class,
                () -> manager(Map.of(SpoolExchangeConfig.TLS_CA_FILE, notACertificate.toString())));

        assertEquals(SpoolErrorCode.SPOOL_CONFIGURATION_INVALID.toErrorCode(), error.getErrorCode());
        assertTrue(error.getMessage().contains(SpoolExchangeConfig.TLS_CA_FILE + "=" + notACertificate), error.getMessage());
        assertTrue(Files.exists(notACertificate));
    }

    @Test
    void emptyTokenFile_failsTheManagerNamingTheKey()
    {
        Path empty = certificates.tokenFile("empty-token", "");

        TrinoException error = assertThrows(TrinoException.class,
                () -> manager(Map.of(SpoolExchangeConfig.AUTH_TOKEN_FILE, empty.toString())));

        assertEquals(SpoolErrorCode.SPOOL_CONFIGURATION_INVALID.toErrorCode(), error.getErrorCode());
        assertTrue(error.getMessage().contains(SpoolExchangeConfig.AUTH_TOKEN_FILE + "=" + empty + ": the token file is empty"), error.getMessage());
    }

    private TrinoException createExchangeFails(Map<String, String> properties)
    {
        SpoolExchangeManager manager = manager(properties);
        try {
            return assertThrows(TrinoException.class, () -> createExchange(manager, 1, false));
        }
        finally {
            manager.shutdown();
        }
    }

    private SpoolExchangeManager manager(Map<String, String> properties)
    {
        return server.createManager(new HashMap<>(properties));
    }
}
