using ExchangeSpool.Protocol;
using Grpc.Core;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// The request side of a WriteSink call: its messages, whether the client has ended it, and the
/// discarding of what the client still sends after the call failed.
/// </summary>
/// <remarks>
/// Answering a call while its client is still sending makes Kestrel reset the stream (RST_STREAM
/// NO_ERROR), and both .NET's SocketsHttpHandler and grpc-java can then send one more DATA frame
/// after their own RST_STREAM, a protocol error for which Kestrel closes the whole connection with
/// every call on it. A failed call therefore reads what its client still sends, unprocessed, until
/// the client ends the stream, so that the answer finds no write of the client in flight.
/// </remarks>
internal sealed class SinkRequestStream(IAsyncStreamReader<PageBatch> requests)
{
    /// <summary>How long a failed call waits for its client to end the stream before it answers anyway.</summary>
    public static readonly TimeSpan DiscardLimit = TimeSpan.FromSeconds(30);

    /// <summary>True once the client ended the stream (or it broke).</summary>
    public bool Ended { get; private set; }

    /// <summary>The next message, or null at the end of the stream. The caller disposes it.</summary>
    public async ValueTask<PageBatch?> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
                return requests.Current;
            Ended = true;
            return null;
        }
        catch (IOException e)
        {
            // The client reset the stream or its connection broke: the call is over, not the storage.
            Ended = true;
            throw new OperationCanceledException($"the client went away: {e.Message}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Ended = true;
            throw;
        }
    }

    /// <summary>Reads and drops messages until the client ends the stream, the call is cancelled or <see cref="DiscardLimit"/> passes.</summary>
    public async Task DiscardRestAsync(CancellationToken callCancelled)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(callCancelled);
        limit.CancelAfter(DiscardLimit);
        try
        {
            while (await NextAsync(limit.Token).ConfigureAwait(false) is { } dropped)
                dropped.Dispose();
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The client went away, sent something unreadable, or took too long: answer now.
        }
    }
}
