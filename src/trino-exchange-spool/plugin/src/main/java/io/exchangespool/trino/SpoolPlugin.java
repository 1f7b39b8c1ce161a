package io.exchangespool.trino;

import io.trino.spi.Plugin;
import io.trino.spi.exchange.ExchangeManagerFactory;

import java.util.List;

/** What Trino finds through META-INF/services/io.trino.spi.Plugin in plugin/exchange-spool/. */
public class SpoolPlugin
        implements Plugin
{
    @Override
    public Iterable<ExchangeManagerFactory> getExchangeManagerFactories()
    {
        return List.of(new SpoolExchangeManagerFactory());
    }
}
