namespace ExchangeSpool.Core;

/// <summary>
/// What the server needs to know of an exchange for any call. The server keeps no exchange state:
/// the client holds this (as the descriptor the server returned) and sends it with each call.
/// </summary>
public sealed record ExchangeSpec(ExchangeKey Key, int PartitionCount, bool PreserveOrder, ReadOnlyMemory<byte> Salt)
{
    public const int SaltSize = 16;

    public ExchangeSpec Validated(int maxPartitionCount)
    {
        Key.Validated();
        if (PartitionCount < 1)
            throw SpoolException.InvalidArgument($"partition count {PartitionCount} of exchange {Key} must be at least 1");
        if (PartitionCount > maxPartitionCount)
            throw new SpoolException(SpoolErrorReason.TooManyPartitions,
                $"Max number of output partitions exceeded for exchange '{Key.ExchangeId}'. Allowed: {maxPartitionCount}. Requested: {PartitionCount}.");
        return this;
    }
}

/// <summary>One attempt of one sink (task partition) of an exchange.</summary>
public readonly record struct SinkAttemptId(ExchangeKey Exchange, int SinkId, int AttemptId)
{
    /// <summary>The largest attempt id a reader can select: an output selector holds one signed byte per sink.</summary>
    public const int MaxSelectableAttemptId = 127;

    public override string ToString() => $"sink {SinkId} attempt {AttemptId} of exchange {Exchange}";
}
