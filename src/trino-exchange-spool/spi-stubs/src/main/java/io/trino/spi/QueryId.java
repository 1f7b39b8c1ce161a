package io.trino.spi;

import static java.util.Objects.requireNonNull;

public final class QueryId
{
    private final String id;

    public QueryId(String id)
    {
        this.id = requireNonNull(id, "id is null");
    }

    public String getId()
    {
        return id;
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof QueryId other && id.equals(other.id);
    }

    @Override
    public int hashCode()
    {
        return id.hashCode();
    }

    @Override
    public String toString()
    {
        return id;
    }
}
