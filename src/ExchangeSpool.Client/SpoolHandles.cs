using ExchangeSpool.Protocol;

namespace ExchangeSpool.Client;

/// <summary>A sink (task partition) of an exchange, as the coordinator hands it out.</summary>
public sealed record SpoolSinkHandle(int TaskPartitionId);

/// <summary>What a worker needs to write one attempt of a sink.</summary>
public sealed record SpoolSinkInstanceHandle(ExchangeDescriptor Exchange, int SinkId, int AttemptId);

/// <summary>A source handle: files of one partition of one exchange, planned by the server.</summary>
public sealed record SpoolSourceHandle(ExchangeDescriptor Exchange, SourceHandle Handle)
{
    public int PartitionId => Handle.PartitionId;

    public long DataSizeInBytes => Handle.DataSize;

    public string ExchangeId => Exchange.Exchange.ExchangeId;
}

/// <summary>One batch of source handles; the last one says so.</summary>
public sealed record SpoolSourceHandleBatch(IReadOnlyList<SpoolSourceHandle> Handles, bool LastBatch);
