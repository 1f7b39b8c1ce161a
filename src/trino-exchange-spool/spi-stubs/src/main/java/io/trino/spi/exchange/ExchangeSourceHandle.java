package io.trino.spi.exchange;

public interface ExchangeSourceHandle
{
    int getPartitionId();

    long getDataSizeInBytes();

    long getRetainedSizeInBytes();
}
