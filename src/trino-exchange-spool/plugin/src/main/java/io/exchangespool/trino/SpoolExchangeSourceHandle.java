package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.exchangespool.protocol.v1.SourceHandle;
import io.trino.spi.exchange.ExchangeSourceHandle;

import java.util.List;
import java.util.Objects;

import static java.util.Objects.requireNonNull;

/** Files of one partition of one exchange, as the server planned them. */
public final class SpoolExchangeSourceHandle
        implements ExchangeSourceHandle
{
    private static final long INSTANCE_SIZE = 48;

    private final SpoolExchangeDescriptor exchange;
    private final int partitionId;
    private final long dataSizeInBytes;
    private final List<SpoolSourceFile> files;

    @JsonCreator
    public SpoolExchangeSourceHandle(
            @JsonProperty("exchange") SpoolExchangeDescriptor exchange,
            @JsonProperty("partitionId") int partitionId,
            @JsonProperty("dataSizeInBytes") long dataSizeInBytes,
            @JsonProperty("files") List<SpoolSourceFile> files)
    {
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.partitionId = partitionId;
        this.dataSizeInBytes = dataSizeInBytes;
        this.files = List.copyOf(requireNonNull(files, "files is null"));
    }

    static SpoolExchangeSourceHandle fromProto(SpoolExchangeDescriptor exchange, SourceHandle handle)
    {
        return new SpoolExchangeSourceHandle(exchange, handle.getPartitionId(), handle.getDataSize(),
                handle.getFilesList().stream().map(SpoolSourceFile::fromProto).toList());
    }

    SourceHandle toProto(int exchangeIndex)
    {
        SourceHandle.Builder builder = SourceHandle.newBuilder()
                .setPartitionId(partitionId)
                .setDataSize(dataSizeInBytes)
                .setExchangeIndex(exchangeIndex);
        files.forEach(file -> builder.addFiles(file.toProto()));
        return builder.build();
    }

    @JsonProperty
    public SpoolExchangeDescriptor getExchange()
    {
        return exchange;
    }

    @JsonProperty
    @Override
    public int getPartitionId()
    {
        return partitionId;
    }

    @JsonProperty
    @Override
    public long getDataSizeInBytes()
    {
        return dataSizeInBytes;
    }

    @JsonProperty
    public List<SpoolSourceFile> getFiles()
    {
        return files;
    }

    /** The descriptor is shared by every handle of its exchange, so it is not counted here. */
    @JsonIgnore
    @Override
    public long getRetainedSizeInBytes()
    {
        return INSTANCE_SIZE + 16 + files.size() * (8 + SpoolSourceFile.INSTANCE_SIZE);
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof SpoolExchangeSourceHandle other
                && exchange.equals(other.exchange)
                && partitionId == other.partitionId
                && dataSizeInBytes == other.dataSizeInBytes
                && files.equals(other.files);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(exchange, partitionId, dataSizeInBytes, files);
    }

    @Override
    public String toString()
    {
        return "partition %s of %s: %s files, %s bytes".formatted(partitionId, exchange, files.size(), dataSizeInBytes);
    }
}
