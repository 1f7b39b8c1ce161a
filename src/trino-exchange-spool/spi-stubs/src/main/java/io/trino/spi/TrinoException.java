package io.trino.spi;

public class TrinoException
        extends RuntimeException
{
    private final ErrorCode errorCode;

    public TrinoException(ErrorCodeSupplier errorCode, String message)
    {
        this(errorCode, message, null);
    }

    public TrinoException(ErrorCodeSupplier errorCode, String message, Throwable cause)
    {
        super(message, cause);
        this.errorCode = errorCode.toErrorCode();
    }

    public ErrorCode getErrorCode()
    {
        return errorCode;
    }
}
