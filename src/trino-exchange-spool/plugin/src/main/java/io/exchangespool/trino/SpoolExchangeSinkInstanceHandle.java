package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.exchangespool.protocol.v1.SinkOpen;
import io.trino.spi.exchange.ExchangeSinkInstanceHandle;

import java.util.Objects;

import static java.util.Objects.requireNonNull;

/** What a worker needs to write one attempt of a sink: the exchange's descriptor and the ids. */
public final class SpoolExchangeSinkInstanceHandle
        implements ExchangeSinkInstanceHandle
{
    private final SpoolExchangeDescriptor exchange;
    private final int sinkId;
    private final int attemptId;

    @JsonCreator
    public SpoolExchangeSinkInstanceHandle(
            @JsonProperty("exchange") SpoolExchangeDescriptor exchange,
            @JsonProperty("sinkId") int sinkId,
            @JsonProperty("attemptId") int attemptId)
    {
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.sinkId = sinkId;
        this.attemptId = attemptId;
    }

    @JsonProperty
    public SpoolExchangeDescriptor getExchange()
    {
        return exchange;
    }

    @JsonProperty
    public int getSinkId()
    {
        return sinkId;
    }

    @JsonProperty
    public int getAttemptId()
    {
        return attemptId;
    }

    SinkOpen toSinkOpen()
    {
        return SinkOpen.newBuilder().setExchange(exchange.descriptor()).setSinkId(sinkId).setAttemptId(attemptId).build();
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof SpoolExchangeSinkInstanceHandle other
                && exchange.equals(other.exchange)
                && sinkId == other.sinkId
                && attemptId == other.attemptId;
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(exchange, sinkId, attemptId);
    }

    @Override
    public String toString()
    {
        return "sink %s attempt %s of %s".formatted(sinkId, attemptId, exchange);
    }
}
