package io.trino.spi.exchange;

import io.opentelemetry.api.trace.Span;
import io.trino.spi.QueryId;

public interface ExchangeContext
{
    QueryId getQueryId();

    ExchangeId getExchangeId();

    Span getParentSpan();
}
