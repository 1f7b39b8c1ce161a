package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.trino.spi.exchange.ExchangeSinkHandle;

/** A sink (task partition) of an exchange; the coordinator keeps everything else. */
public final class SpoolExchangeSinkHandle
        implements ExchangeSinkHandle
{
    private final int taskPartitionId;

    @JsonCreator
    public SpoolExchangeSinkHandle(@JsonProperty("taskPartitionId") int taskPartitionId)
    {
        if (taskPartitionId < 0) {
            throw new IllegalArgumentException("taskPartitionId is negative: " + taskPartitionId);
        }
        this.taskPartitionId = taskPartitionId;
    }

    @JsonProperty
    public int getTaskPartitionId()
    {
        return taskPartitionId;
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof SpoolExchangeSinkHandle other && taskPartitionId == other.taskPartitionId;
    }

    @Override
    public int hashCode()
    {
        return Integer.hashCode(taskPartitionId);
    }

    @Override
    public String toString()
    {
        return "sink " + taskPartitionId;
    }
}
