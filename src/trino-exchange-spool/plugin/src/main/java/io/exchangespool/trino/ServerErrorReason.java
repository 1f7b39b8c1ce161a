package io.exchangespool.trino;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.exchangespool.protocol.rpc.ErrorInfo;
import io.grpc.protobuf.StatusProto;

import java.util.Arrays;
import java.util.Optional;

import static io.exchangespool.trino.SpoolErrorCode.SPOOL_DATA_CORRUPTION;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_ENCRYPTION_KEY_UNKNOWN;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_ERROR;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAUTHENTICATED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE;

/**
 * The stable reasons the exchange-spool server gives every failed call, in one google.rpc.ErrorInfo
 * of domain {@value #DOMAIN} in the status details (the list is in exchange_spool.proto), and the
 * engine error each one means. The plugin decides by reason, never by message text.
 */
enum ServerErrorReason
{
    // The engine's own mistakes, the only failures it must not retry.
    PAGE_TOO_LARGE(SPOOL_MAX_PAGE_SIZE_EXCEEDED),
    TOO_MANY_PARTITIONS(SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED),
    // The server, its storage or its memory: a retry may meet a server that copes.
    STORAGE_UNAVAILABLE(SPOOL_SERVER_UNAVAILABLE),
    STORAGE_FULL(SPOOL_SERVER_UNAVAILABLE),
    // The storage refused the server's credentials: outside the engine, like the storage being down.
    STORAGE_ACCESS_DENIED(SPOOL_SERVER_UNAVAILABLE),
    MEMORY_EXHAUSTED(SPOOL_SERVER_UNAVAILABLE),
    SHUTTING_DOWN(SPOOL_SERVER_UNAVAILABLE),
    CANCELLED(SPOOL_SERVER_UNAVAILABLE),
    DEADLINE_EXCEEDED(SPOOL_SERVER_UNAVAILABLE),
    DATA_LOSS(SPOOL_DATA_CORRUPTION),
    ENCRYPTION_KEY_UNKNOWN(SPOOL_ENCRYPTION_KEY_UNKNOWN),
    UNAUTHENTICATED(SPOOL_SERVER_UNAUTHENTICATED),
    // Requests the plugin should never have sent, states it should never have reached, server bugs.
    INVALID_REQUEST(SPOOL_SERVER_ERROR),
    PARTITION_OUT_OF_RANGE(SPOOL_SERVER_ERROR),
    EXCHANGE_NOT_FOUND(SPOOL_SERVER_ERROR),
    EXCHANGE_CLOSED(SPOOL_SERVER_ERROR),
    ATTEMPT_NOT_SELECTED(SPOOL_SERVER_ERROR),
    ATTEMPT_NOT_COMMITTED(SPOOL_SERVER_ERROR),
    ATTEMPT_COMMITTED(SPOOL_SERVER_ERROR),
    ATTEMPT_BUSY(SPOOL_SERVER_ERROR),
    ATTEMPT_ABORTED(SPOOL_SERVER_ERROR),
    INTERNAL(SPOOL_SERVER_ERROR);

    static final String DOMAIN = "exchangespool.io";

    private final SpoolErrorCode errorCode;

    ServerErrorReason(SpoolErrorCode errorCode)
    {
        this.errorCode = errorCode;
    }

    SpoolErrorCode errorCode()
    {
        return errorCode;
    }

    /** The reason this plugin knows by the name the server sent; empty for a reason of a newer server. */
    static Optional<ServerErrorReason> named(String reason)
    {
        return Arrays.stream(values()).filter(known -> known.name().equals(reason)).findFirst();
    }

    /**
     * The reason the server put in the failed call's status details, or empty when they hold none of
     * this domain: the failure then comes from grpc-java itself (no connection, a lost connection,
     * a refused stream) or from a server older than the reasons.
     */
    static Optional<String> reasonOf(Throwable failure)
    {
        com.google.rpc.Status details;
        try {
            details = StatusProto.fromThrowable(failure);
        }
        catch (IllegalArgumentException e) {
            // Details whose code differs from the status code: not a status the server sent.
            return Optional.empty();
        }
        if (details == null) {
            return Optional.empty();
        }
        for (Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = detail.unpack(ErrorInfo.class);
                    if (DOMAIN.equals(info.getDomain())) {
                        return Optional.of(info.getReason());
                    }
                }
                catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
