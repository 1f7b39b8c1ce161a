namespace ExchangeSpool.Core.Sinks;

/// <summary>What a committed attempt wrote.</summary>
public readonly record struct SinkCommit(long PageCount, long DataSize, int FileCount);

public enum SinkAttemptState
{
    Open,
    Finishing,
    Committed,
    Aborted,
}
