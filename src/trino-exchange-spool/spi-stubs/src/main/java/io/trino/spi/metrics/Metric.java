package io.trino.spi.metrics;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.trino.spi.Mergeable;

@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
public interface Metric<T>
        extends Mergeable<T>
{
}
