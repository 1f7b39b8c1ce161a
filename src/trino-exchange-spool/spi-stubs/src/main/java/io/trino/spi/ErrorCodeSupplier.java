package io.trino.spi;

public interface ErrorCodeSupplier
{
    ErrorCode toErrorCode();
}
