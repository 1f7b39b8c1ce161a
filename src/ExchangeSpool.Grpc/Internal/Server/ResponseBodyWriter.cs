using System.IO.Pipelines;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>Response messages serialized straight into Kestrel's response pipe, flushed one by one.</summary>
internal sealed class ResponseBodyWriter<T>(PipeWriter body, Marshaller<T> marshaller, int maxMessageSize, CancellationToken callToken)
    : IMessageWriter<T>
{
    private readonly CountingBufferWriter _counter = new();
    private int _writing;

    /// <summary>A serializer failed halfway through a message: the stream must be reset, not ended with trailers.</summary>
    public bool OutputCorrupted { get; private set; }

    public async ValueTask WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        if (OutputCorrupted)
        {
            throw new InvalidOperationException("The response stream is broken by an earlier serialization failure.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A previous write is still in progress; await it before writing again.");
        }

        try
        {
            callToken.ThrowIfCancellationRequested();
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                MessageFraming.WriteMessage(body, message, marshaller, maxMessageSize, _counter);
            }
            catch (SerializationFailedException)
            {
                OutputCorrupted = true;
                throw;
            }

            using var linked = cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(callToken, cancellationToken)
                : null;
            var token = linked?.Token ?? callToken;
            var result = await body.FlushAsync(token).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException(token);
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
