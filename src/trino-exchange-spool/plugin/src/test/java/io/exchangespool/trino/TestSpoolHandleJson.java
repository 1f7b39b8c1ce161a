package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSinkInstanceHandle;
import io.trino.spi.exchange.ExchangeSourceHandle;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.exchangespool.trino.EngineDriver.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Handles travel as Trino sends them: polymorphic JSON with "@type": "exchange-spool:<class name>". */
class TestSpoolHandleJson
{
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
    private interface TypedHandle {}

    private final ObjectMapper mapper = new ObjectMapper()
            .addMixIn(ExchangeSinkHandle.class, TypedHandle.class)
            .addMixIn(ExchangeSinkInstanceHandle.class, TypedHandle.class)
            .addMixIn(ExchangeSourceHandle.class, TypedHandle.class);

    TestSpoolHandleJson()
    {
        for (Class<?> handle : List.of(SpoolExchangeSinkHandle.class, SpoolExchangeSinkInstanceHandle.class, SpoolExchangeSourceHandle.class)) {
            mapper.registerSubtypes(new NamedType(handle, "exchange-spool:" + handle.getName()));
        }
    }

    @Test
    void everyHandleSurvivesTheTripThroughTrinosJson()
            throws Exception
    {
        SpoolExchangeManager manager = TestingSpoolServer.shared().createManager();
        try {
            Exchange exchange = EngineDriver.createExchange(manager, 1, false);
            ExchangeSinkHandle sink = exchange.addSink(0);
            ExchangeSinkInstanceHandle instance = exchange.instantiateSink(sink, 3).get();
            EngineDriver.writeAndFinish(manager, exchange, sink, 3, strings(0, "page"));
            exchange.sinkFinished(sink, 3);
            exchange.allRequiredSinksFinished();
            ExchangeSourceHandle source = EngineDriver.allHandles(exchange).get(0);

            assertRoundTrip(ExchangeSinkHandle.class, sink);
            assertRoundTrip(ExchangeSinkInstanceHandle.class, instance);
            assertRoundTrip(ExchangeSourceHandle.class, source);
            exchange.close();
        }
        finally {
            manager.shutdown();
        }
    }

    private <T> void assertRoundTrip(Class<T> type, T handle)
            throws Exception
    {
        String json = mapper.writerFor(type).writeValueAsString(handle);
        assertTrue(json.contains("\"@type\":\"exchange-spool:" + handle.getClass().getName() + "\""), json);
        T copy = mapper.readValue(json, type);
        assertEquals(handle, copy);
        assertEquals(handle.hashCode(), copy.hashCode());
    }
}
