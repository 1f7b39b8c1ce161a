package io.trino.spi.exchange;

public interface ExchangeSinkInstanceHandle
{
}
