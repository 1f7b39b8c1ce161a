namespace ExchangeSpool.Grpc;

/// <summary>Per-call settings on the client.</summary>
/// <param name="Deadline">When the call must be over; sent as <c>grpc-timeout</c> and enforced locally too. Local times are converted to UTC; unspecified ones are taken as UTC.</param>
/// <param name="CancellationToken">Cancels the call (the HTTP/2 stream is reset); the call then fails with <see cref="StatusCode.Cancelled"/>.</param>
/// <param name="Headers">Extra request headers (metadata).</param>
public readonly record struct CallOptions(
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    IReadOnlyDictionary<string, string>? Headers = null);
