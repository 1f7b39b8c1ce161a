namespace ExchangeSpool.Core.Planning;

/// <summary>A file of a committed attempt, named by ids (the server resolves the path).</summary>
public readonly record struct SourceFileRef(int SinkId, int AttemptId, int FileIndex, long DataSize);

/// <summary>Files of one partition to be read together; data size counts 4 + payload bytes a page.</summary>
public sealed record PlannedHandle(int PartitionId, long DataSize, IReadOnlyList<SourceFileRef> Files);
