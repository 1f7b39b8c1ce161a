package io.trino.spi;

import static java.util.Objects.requireNonNull;

public final class ErrorCode
{
    private final int code;
    private final String name;
    private final ErrorType type;

    public ErrorCode(int code, String name, ErrorType type)
    {
        if (code < 0) {
            throw new IllegalArgumentException("code is negative");
        }
        this.code = code;
        this.name = requireNonNull(name, "name is null");
        this.type = requireNonNull(type, "type is null");
    }

    public int getCode()
    {
        return code;
    }

    public String getName()
    {
        return name;
    }

    public ErrorType getType()
    {
        return type;
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof ErrorCode other && code == other.code;
    }

    @Override
    public int hashCode()
    {
        return Integer.hashCode(code);
    }

    @Override
    public String toString()
    {
        return name + ":" + code;
    }
}
