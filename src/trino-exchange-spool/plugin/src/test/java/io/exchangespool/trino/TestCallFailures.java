package io.exchangespool.trino;

import com.google.protobuf.Any;
import io.exchangespool.protocol.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.trino.spi.ErrorType;
import io.trino.spi.TrinoException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.exchangespool.trino.SpoolErrorCode.SPOOL_DATA_CORRUPTION;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_ENCRYPTION_KEY_UNKNOWN;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAUTHENTICATED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_ERROR;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed calls map to engine errors by the reason in the status details, never by message text. */
class TestCallFailures
{
    private static final String ADDRESS = "127.0.0.1:9477";

    private final CallFailures failures = new CallFailures(ADDRESS);

    @Test
    void everyReasonOfTheProtocol_mapsToItsEngineError()
    {
        Map<String, SpoolErrorCode> expected = Map.ofEntries(
                Map.entry("PAGE_TOO_LARGE", SPOOL_MAX_PAGE_SIZE_EXCEEDED),
                Map.entry("TOO_MANY_PARTITIONS", SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED),
                Map.entry("STORAGE_UNAVAILABLE", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("STORAGE_FULL", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("STORAGE_ACCESS_DENIED", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("MEMORY_EXHAUSTED", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("SHUTTING_DOWN", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("CANCELLED", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("DEADLINE_EXCEEDED", SPOOL_SERVER_UNAVAILABLE),
                Map.entry("DATA_LOSS", SPOOL_DATA_CORRUPTION),
                Map.entry("ENCRYPTION_KEY_UNKNOWN", SPOOL_ENCRYPTION_KEY_UNKNOWN),
                Map.entry("UNAUTHENTICATED", SPOOL_SERVER_UNAUTHENTICATED),
                Map.entry("INVALID_REQUEST", SPOOL_SERVER_ERROR),
                Map.entry("PARTITION_OUT_OF_RANGE", SPOOL_SERVER_ERROR),
                Map.entry("EXCHANGE_NOT_FOUND", SPOOL_SERVER_ERROR),
                Map.entry("EXCHANGE_CLOSED", SPOOL_SERVER_ERROR),
                Map.entry("ATTEMPT_NOT_SELECTED", SPOOL_SERVER_ERROR),
                Map.entry("ATTEMPT_NOT_COMMITTED", SPOOL_SERVER_ERROR),
                Map.entry("ATTEMPT_COMMITTED", SPOOL_SERVER_ERROR),
                Map.entry("ATTEMPT_BUSY", SPOOL_SERVER_ERROR),
                Map.entry("ATTEMPT_ABORTED", SPOOL_SERVER_ERROR),
                Map.entry("INTERNAL", SPOOL_SERVER_ERROR));
        assertEquals(ServerErrorReason.values().length, expected.size(), "a reason without an expected mapping");
        // The status code is deliberately the same for all: only the reason decides.
        expected.forEach((reason, code) -> assertEquals(code.toErrorCode(), map(Status.Code.FAILED_PRECONDITION, "some text", reason).getErrorCode(), reason));
    }

    @Test
    void userErrors_areOfTypeUserErrorAndCarryTheServersWords()
    {
        TrinoException pageTooLarge = map(Status.Code.INVALID_ARGUMENT, "a page of 16777217 bytes exceeds 16MB", "PAGE_TOO_LARGE");
        TrinoException tooManyPartitions = map(Status.Code.INVALID_ARGUMENT, "Max number of output partitions exceeded for exchange q.e: 51 > 50", "TOO_MANY_PARTITIONS");

        assertEquals(ErrorType.USER_ERROR, pageTooLarge.getErrorCode().getType());
        assertEquals("a page of 16777217 bytes exceeds 16MB", pageTooLarge.getMessage());
        assertEquals(ErrorType.USER_ERROR, tooManyPartitions.getErrorCode().getType());
        assertEquals("Max number of output partitions exceeded for exchange q.e: 51 > 50", tooManyPartitions.getMessage());
    }

    @Test
    void dataLoss_isANewExternalErrorNamingTheServerCallAndReason()
    {
        TrinoException error = map(Status.Code.DATA_LOSS, "block 3 of p0_0.data failed its checksum", "DATA_LOSS");

        assertEquals(SPOOL_DATA_CORRUPTION.toErrorCode(), error.getErrorCode());
        assertEquals(ErrorType.EXTERNAL, error.getErrorCode().getType());
        assertEquals("exchange-spool server at 127.0.0.1:9477: ReadSource failed: DATA_LOSS DATA_LOSS: block 3 of p0_0.data failed its checksum", error.getMessage());
    }

    @Test
    void messageText_neverDecides()
    {
        StatusRuntimeException oldStyle = Status.INVALID_ARGUMENT
                .withDescription("Max number of output partitions exceeded for exchange q.e (exchange.max-page-storage-size)")
                .asRuntimeException();
        StatusRuntimeException goAway = Status.INTERNAL.withDescription("Connection closed after GOAWAY. HTTP/2 error code: STREAM_CLOSED").asRuntimeException();

        assertEquals(SPOOL_SERVER_ERROR.toErrorCode(), failures.toTrinoException("CreateExchange", oldStyle).getErrorCode());
        assertEquals(SPOOL_SERVER_ERROR.toErrorCode(), failures.toTrinoException("WriteSink", goAway).getErrorCode());
        assertFalse(CallFailures.isLostConnection(goAway));
    }

    @Test
    void withoutAReason_theStatusCodeDecides()
    {
        assertEquals(SPOOL_SERVER_UNAVAILABLE.toErrorCode(), failures.toTrinoException("WriteSink", Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()).getErrorCode());
        assertEquals(SPOOL_SERVER_UNAVAILABLE.toErrorCode(), failures.toTrinoException("CreateExchange", Status.DEADLINE_EXCEEDED.asRuntimeException()).getErrorCode());
        assertEquals(SPOOL_SERVER_ERROR.toErrorCode(), failures.toTrinoException("ReadSource", Status.RESOURCE_EXHAUSTED.withDescription("message too large").asRuntimeException()).getErrorCode());
        assertEquals(SPOOL_DATA_CORRUPTION.toErrorCode(), failures.toTrinoException("ReadSource", Status.DATA_LOSS.withDescription("truncated page frame").asRuntimeException()).getErrorCode());
    }

    @Test
    void aReasonOfAnotherDomain_isNoReason()
    {
        StatusRuntimeException foreign = withErrorInfo(Status.Code.INVALID_ARGUMENT, "too big", "PAGE_TOO_LARGE", "proxy.example.com");

        assertEquals(SPOOL_SERVER_ERROR.toErrorCode(), failures.toTrinoException("WriteSink", foreign).getErrorCode());
        assertTrue(ServerErrorReason.reasonOf(foreign).isEmpty());
    }

    @Test
    void aReasonOfANewerServer_fallsBackToTheStatusCodeAndIsNamed()
    {
        TrinoException error = map(Status.Code.UNAVAILABLE, "try again later", "SOMETHING_NEW");

        assertEquals(SPOOL_SERVER_UNAVAILABLE.toErrorCode(), error.getErrorCode());
        assertTrue(error.getMessage().contains("UNAVAILABLE SOMETHING_NEW: try again later"), error.getMessage());
    }

    @Test
    void lostConnection_isUnavailableWithoutAReason()
    {
        assertTrue(CallFailures.isLostConnection(Status.UNAVAILABLE.withDescription("Connection closed").asRuntimeException()));
        assertFalse(CallFailures.isLostConnection(withErrorInfo(Status.Code.UNAVAILABLE, "draining", "SHUTTING_DOWN", ServerErrorReason.DOMAIN)));
        assertFalse(CallFailures.isLostConnection(withErrorInfo(Status.Code.UNAVAILABLE, "disk gone", "STORAGE_UNAVAILABLE", ServerErrorReason.DOMAIN)));
        assertFalse(CallFailures.isLostConnection(Status.DEADLINE_EXCEEDED.asRuntimeException()));
    }

    @Test
    void aTrinoException_passesUnchanged()
    {
        TrinoException original = new TrinoException(SPOOL_MAX_PAGE_SIZE_EXCEEDED, "too large");

        assertSame(original, failures.toTrinoException("WriteSink", original));
    }

    private TrinoException map(Status.Code code, String description, String reason)
    {
        TrinoException error = failures.toTrinoException("ReadSource", withErrorInfo(code, description, reason, ServerErrorReason.DOMAIN));
        assertEquals(reason, ServerErrorReason.reasonOf(error.getCause()).orElseThrow());
        return error;
    }

    /** A status as the server sends it: google.rpc.Status with one ErrorInfo in grpc-status-details-bin. */
    private static StatusRuntimeException withErrorInfo(Status.Code code, String description, String reason, String domain)
    {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(description)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(domain).setReason(reason).build()))
                .build());
    }
}
