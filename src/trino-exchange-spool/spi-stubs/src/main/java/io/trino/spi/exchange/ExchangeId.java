package io.trino.spi.exchange;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.UUID;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

public final class ExchangeId
{
    private static final Pattern ID_PATTERN = Pattern.compile("[a-zA-Z0-9_-]+");

    private final String id;

    @JsonCreator
    public ExchangeId(String id)
    {
        requireNonNull(id, "id is null");
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("Invalid id: " + id);
        }
        this.id = id;
    }

    public static ExchangeId createRandomExchangeId()
    {
        return new ExchangeId(UUID.randomUUID().toString().replace("-", ""));
    }

    @JsonValue
    public String getId()
    {
        return id;
    }

    public long getRetainedSizeInBytes()
    {
        return 16L + 40 + id.length();
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof ExchangeId other && id.equals(other.id);
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
