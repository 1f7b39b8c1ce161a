using System.Net;

namespace ExchangeSpool.Grpc.Internal.Client;

/// <summary>
/// A request body written while the call runs: HttpClient hands over the HTTP/2 stream when it starts
/// sending the body, the call's writer writes messages into it, and the body ends (END_STREAM) on
/// <see cref="Complete"/>.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent()
    {
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    public Task<Stream> WaitForStreamAsync(CancellationToken cancellationToken) => _stream.Task.WaitAsync(cancellationToken);

    /// <summary>Ends the body normally.</summary>
    public void Complete() => _end.TrySetResult();

    /// <summary>Ends the body with an error, which makes HttpClient reset the stream if it is still open.</summary>
    public void Abort() => _end.TrySetCanceled();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        await _end.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
