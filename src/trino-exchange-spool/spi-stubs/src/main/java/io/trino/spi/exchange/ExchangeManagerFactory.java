package io.trino.spi.exchange;

import java.util.Map;

public interface ExchangeManagerFactory
{
    String getName();

    ExchangeManager create(Map<String, String> config, ExchangeManagerContext context);
}
