package io.trino.spi.exchange;

public interface ExchangeManager
{
    Exchange createExchange(ExchangeContext context, int outputPartitionCount, boolean preserveOrderWithinPartition);

    ExchangeSink createSink(ExchangeSinkInstanceHandle handle);

    ExchangeSource createSource();

    boolean supportsConcurrentReadAndWrite();

    default void shutdown() {}
}
