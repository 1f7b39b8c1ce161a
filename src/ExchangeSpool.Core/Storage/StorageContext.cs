using ExchangeSpool.Core.Buffers;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// What a backend gets from the server besides its settings: the one memory budget its buffers are
/// charged to (the same budget every sink buffer and read-ahead block waits on), the clock, and logging.
/// </summary>
public sealed record StorageContext(MemoryBudget Budget, TimeProvider Clock, ILoggerFactory LoggerFactory);
