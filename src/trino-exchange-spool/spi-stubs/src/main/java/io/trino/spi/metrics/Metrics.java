package io.trino.spi.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Map;

import static java.util.Objects.requireNonNull;

public class Metrics
{
    public static final Metrics EMPTY = new Metrics(Map.of());

    private final Map<String, Metric<?>> metrics;

    @JsonCreator
    public Metrics(Map<String, Metric<?>> metrics)
    {
        this.metrics = Map.copyOf(requireNonNull(metrics, "metrics is null"));
    }

    @JsonValue
    public Map<String, Metric<?>> getMetrics()
    {
        return metrics;
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof Metrics other && metrics.equals(other.metrics);
    }

    @Override
    public int hashCode()
    {
        return metrics.hashCode();
    }
}
