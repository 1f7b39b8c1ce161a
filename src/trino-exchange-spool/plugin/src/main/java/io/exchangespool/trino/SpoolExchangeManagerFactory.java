package io.exchangespool.trino;

import io.trino.spi.exchange.ExchangeManager;
import io.trino.spi.exchange.ExchangeManagerContext;
import io.trino.spi.exchange.ExchangeManagerFactory;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/** Selected with {@code exchange-manager.name=spool}. */
public class SpoolExchangeManagerFactory
        implements ExchangeManagerFactory
{
    public static final String NAME = "spool";

    @Override
    public String getName()
    {
        return NAME;
    }

    @Override
    public ExchangeManager create(Map<String, String> config, ExchangeManagerContext context)
    {
        requireNonNull(config, "config is null");
        requireNonNull(context, "context is null");
        return new SpoolExchangeManager(SpoolExchangeConfig.fromProperties(config));
    }
}
