using ExchangeSpool.Core.Planning;

namespace ExchangeSpool.Core.Sources;

/// <summary>
/// An exchange a source reads from, with its output selector's choice: one byte per sink, the
/// selected attempt (0..127) or -2 for excluded. Empty means any committed attempt may be read.
/// </summary>
public sealed record SourceExchange(ExchangeSpec Exchange, ReadOnlyMemory<byte> SelectedAttempts);

public sealed record SourceHandleRef(int ExchangeIndex, int PartitionId, IReadOnlyList<SourceFileRef> Files);

/// <summary>Handles to read in one stream; they may belong to several exchanges.</summary>
public sealed record SourceRequest(IReadOnlyList<SourceExchange> Exchanges, IReadOnlyList<SourceHandleRef> Handles);
