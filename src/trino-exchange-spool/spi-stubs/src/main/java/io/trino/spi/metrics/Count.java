package io.trino.spi.metrics;

public interface Count<T>
        extends Metric<T>
{
    long getTotal();
}
