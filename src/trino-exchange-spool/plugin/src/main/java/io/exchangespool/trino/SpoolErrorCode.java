package io.exchangespool.trino;

import io.trino.spi.ErrorCode;
import io.trino.spi.ErrorCodeSupplier;
import io.trino.spi.ErrorType;

import static io.trino.spi.ErrorType.EXTERNAL;
import static io.trino.spi.ErrorType.INTERNAL_ERROR;
import static io.trino.spi.ErrorType.USER_ERROR;

/**
 * Errors the engine understands. The code base is next to Trino's filesystem exchange manager's
 * (0x0510_0000) without overlapping it.
 */
public enum SpoolErrorCode
        implements ErrorCodeSupplier
{
    SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED(0, USER_ERROR),
    SPOOL_MAX_PAGE_SIZE_EXCEEDED(1, USER_ERROR),
    SPOOL_CONFIGURATION_INVALID(2, INTERNAL_ERROR),
    // The server, its storage or the connection to it failed or ran out of room: retrying the task may succeed.
    SPOOL_SERVER_UNAVAILABLE(3, EXTERNAL),
    // The server refused a request the plugin should never have made, or failed on a bug of its own.
    SPOOL_SERVER_ERROR(4, INTERNAL_ERROR),
    SPOOL_SINK_ABORTED(5, INTERNAL_ERROR),
    // The engine gave a source handles of an exchange its final output selector does not cover:
    // a broken engine contract, not a server failure.
    SPOOL_OUTPUT_SELECTOR_MISSING_EXCHANGE(6, INTERNAL_ERROR),
    // Spooled data failed verification (checksum, authentication, length) or is missing.
    SPOOL_DATA_CORRUPTION(7, EXTERNAL),
    // Spooled data was encrypted with a key the server does not hold: the servers' keys differ.
    SPOOL_ENCRYPTION_KEY_UNKNOWN(8, EXTERNAL),
    // The server refused the plugin's bearer token (exchange.spool.client.auth.token-file), or none was sent:
    // the two files differ; retrying the task cannot help until they match.
    SPOOL_SERVER_UNAUTHENTICATED(9, EXTERNAL);

    private final ErrorCode errorCode;

    SpoolErrorCode(int code, ErrorType type)
    {
        errorCode = new ErrorCode(code + 0x0511_0000, name(), type);
    }

    @Override
    public ErrorCode toErrorCode()
    {
        return errorCode;
    }
}
