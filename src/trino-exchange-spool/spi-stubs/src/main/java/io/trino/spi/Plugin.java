package io.trino.spi;

import io.trino.spi.exchange.ExchangeManagerFactory;

import java.util.List;

/**
 * Stub: only the member the exchange plugin implements; the real interface has many more defaults.
 */
public interface Plugin
{
    default Iterable<ExchangeManagerFactory> getExchangeManagerFactories()
    {
        return List.of();
    }
}
