namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>
/// The call's token: fires when the client goes away (RST_STREAM or disconnect), at the deadline, or when the
/// server stops, and remembers which of them it was so the right status is sent.
/// </summary>
internal sealed class ServerCallCancellation : IDisposable
{
    // CancellationTokenSource.CancelAfter accepts at most this; a longer timeout is no deadline in practice.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly CancellationTokenSource _call;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationToken _serverStopping;

    public ServerCallCancellation(CancellationToken requestAborted, CancellationToken serverStopping, TimeSpan? timeout)
    {
        _serverStopping = serverStopping;
        if (timeout is { } delay && delay <= MaxTimerDelay)
        {
            Deadline = DateTime.UtcNow + delay;
            _deadline = new CancellationTokenSource(delay);
            _call = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, serverStopping, _deadline.Token);
        }
        else
        {
            _call = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, serverStopping);
        }

        Token = _call.Token;
    }

    public CancellationToken Token { get; }

    public DateTime? Deadline { get; }

    public bool DeadlineExceeded => _deadline?.IsCancellationRequested == true;

    public bool ServerStopping => _serverStopping.IsCancellationRequested;

    public void Dispose()
    {
        _call.Dispose();
        _deadline?.Dispose();
    }
}
