package io.exchangespool.trino;

import io.grpc.Status;
import io.trino.spi.ErrorType;
import io.trino.spi.TrinoException;

import java.util.Optional;
import java.util.concurrent.CompletionException;

import static io.exchangespool.trino.SpoolErrorCode.SPOOL_DATA_CORRUPTION;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_ERROR;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE;
import static java.util.Objects.requireNonNull;

/**
 * What a failed call to the server means to the engine: a TrinoException whose code follows the
 * reason the server gave ({@link ServerErrorReason}), or the status code when the status carries no
 * reason. Its message names the server, the call, the status code and the reason.
 */
final class CallFailures
{
    private final String serverAddress;

    CallFailures(String serverAddress)
    {
        this.serverAddress = requireNonNull(serverAddress, "serverAddress is null");
    }

    TrinoException toTrinoException(String call, Throwable throwable)
    {
        Throwable cause = throwable instanceof CompletionException && throwable.getCause() != null ? throwable.getCause() : throwable;
        if (cause instanceof TrinoException trinoException) {
            return trinoException;
        }
        Status status = Status.fromThrowable(cause);
        Optional<String> reason = ServerErrorReason.reasonOf(cause);
        SpoolErrorCode errorCode = reason.flatMap(ServerErrorReason::named)
                .map(ServerErrorReason::errorCode)
                .orElseGet(() -> byStatusCode(status.getCode()));
        if (errorCode.toErrorCode().getType() == ErrorType.USER_ERROR && status.getDescription() != null) {
            // The server's own words are what the query's user needs to read.
            return new TrinoException(errorCode, status.getDescription(), cause);
        }
        StringBuilder detail = new StringBuilder(status.getCode().name());
        reason.ifPresent(name -> detail.append(' ').append(name));
        if (status.getDescription() != null) {
            detail.append(": ").append(status.getDescription());
        }
        if (status.getCause() != null && status.getCause().getMessage() != null) {
            detail.append(" (").append(status.getCause().getMessage()).append(')');
        }
        return new TrinoException(errorCode, "exchange-spool server at %s: %s failed: %s".formatted(serverAddress, call, detail), cause);
    }

    /**
     * Whether the call found no connection or lost it: UNAVAILABLE without a reason, which only
     * grpc-java itself reports (the server gives every failure a reason).
     */
    static boolean isLostConnection(Throwable throwable)
    {
        return Status.fromThrowable(throwable).getCode() == Status.Code.UNAVAILABLE && ServerErrorReason.reasonOf(throwable).isEmpty();
    }

    /** For statuses without a reason: from grpc-java itself, or from a server older than the reasons. */
    private static SpoolErrorCode byStatusCode(Status.Code code)
    {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN -> SPOOL_SERVER_UNAVAILABLE;
            // Also what the plugin reports when a message it received does not hold whole pages.
            case DATA_LOSS -> SPOOL_DATA_CORRUPTION;
            default -> SPOOL_SERVER_ERROR;
        };
    }
}
