package io.trino.spi;

public enum ErrorType
{
    USER_ERROR,
    INTERNAL_ERROR,
    INSUFFICIENT_RESOURCES,
    EXTERNAL,
}
