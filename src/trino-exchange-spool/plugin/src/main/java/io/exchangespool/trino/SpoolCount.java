package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.trino.spi.metrics.Count;

/** A counter in the exchange's metrics; merging adds. */
public record SpoolCount(@JsonProperty("total") long total)
        implements Count<SpoolCount>
{
    @JsonCreator
    public SpoolCount {}

    @Override
    public long getTotal()
    {
        return total;
    }

    @Override
    public SpoolCount mergeWith(SpoolCount other)
    {
        return new SpoolCount(total + other.total);
    }
}
