package io.exchangespool.trino;

import io.exchangespool.protocol.v1.CreateExchangeRequest;
import io.exchangespool.protocol.v1.ExchangeDescriptor;
import io.exchangespool.protocol.v1.ExchangeRef;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeContext;
import io.trino.spi.exchange.ExchangeManager;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkInstanceHandle;
import io.trino.spi.exchange.ExchangeSource;

import static java.util.Objects.requireNonNull;

/**
 * One per Trino node. Owns the channel to the node's exchange-spool server; exchanges run on the
 * coordinator, sinks and sources on workers.
 */
public final class SpoolExchangeManager
        implements ExchangeManager
{
    private final SpoolServerClient client;

    SpoolExchangeManager(SpoolExchangeConfig config)
    {
        this.client = new SpoolServerClient(requireNonNull(config, "config is null"));
    }

    @Override
    public Exchange createExchange(ExchangeContext context, int outputPartitionCount, boolean preserveOrderWithinPartition)
    {
        CreateExchangeRequest request = CreateExchangeRequest.newBuilder()
                .setExchange(ExchangeRef.newBuilder()
                        .setQueryId(context.getQueryId().getId())
                        .setExchangeId(context.getExchangeId().getId()))
                .setPartitionCount(outputPartitionCount)
                .setPreserveOrder(preserveOrderWithinPartition)
                .build();
        ExchangeDescriptor descriptor = client.await("CreateExchange", client.unary("CreateExchange", (stub, observer) -> stub.createExchange(request, observer)));
        return new SpoolExchange(client, context.getExchangeId(), new SpoolExchangeDescriptor(descriptor));
    }

    @Override
    public ExchangeSink createSink(ExchangeSinkInstanceHandle handle)
    {
        return new SpoolExchangeSink(client, (SpoolExchangeSinkInstanceHandle) handle);
    }

    @Override
    public ExchangeSource createSource()
    {
        return new SpoolExchangeSource(client);
    }

    /** Reading while sinks still write would need the server to expose uncommitted data; it does not. */
    @Override
    public boolean supportsConcurrentReadAndWrite()
    {
        return false;
    }

    @Override
    public void shutdown()
    {
        client.close();
    }
}
