package io.trino.spi;

public interface Mergeable<T>
{
    T mergeWith(T other);
}
