package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.protobuf.InvalidProtocolBufferException;
import io.exchangespool.protocol.v1.ExchangeDescriptor;

import java.util.Arrays;

import static java.util.Objects.requireNonNull;

/**
 * The server's descriptor of one exchange (ids, storage locations, key salt, effective settings),
 * carried inside handles as its protobuf bytes: the plugin never interprets the storage fields, and
 * a newer server's fields survive the trip through Trino untouched. One instance is shared by all
 * handles of an exchange on the coordinator.
 */
public final class SpoolExchangeDescriptor
{
    private final byte[] serialized;
    private final ExchangeDescriptor descriptor;

    SpoolExchangeDescriptor(ExchangeDescriptor descriptor)
    {
        this.descriptor = requireNonNull(descriptor, "descriptor is null");
        this.serialized = descriptor.toByteArray();
    }

    @JsonCreator
    public static SpoolExchangeDescriptor fromSerialized(byte[] serialized)
    {
        try {
            return new SpoolExchangeDescriptor(ExchangeDescriptor.parseFrom(requireNonNull(serialized, "serialized is null")));
        }
        catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an exchange descriptor: " + e.getMessage(), e);
        }
    }

    @JsonValue
    public byte[] serialized()
    {
        return serialized;
    }

    ExchangeDescriptor descriptor()
    {
        return descriptor;
    }

    String exchangeId()
    {
        return descriptor.getExchange().getExchangeId();
    }

    int partitionCount()
    {
        return descriptor.getPartitionCount();
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof SpoolExchangeDescriptor other && Arrays.equals(serialized, other.serialized);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(serialized);
    }

    @Override
    public String toString()
    {
        // The salt is key material: never printed.
        return "exchange %s of query %s".formatted(exchangeId(), descriptor.getExchange().getQueryId());
    }
}
