using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;

namespace ExchangeSpool.Grpc.Internal.Client;

/// <summary>
/// One call on the client, whatever its kind: sends the HTTP/2 request, reads the response headers,
/// messages and trailers, writes streamed requests, and turns every way a call can end into one
/// <see cref="RpcException"/> that all readers and writers of the call then see.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IDisposable
{
    private const string UserAgent = "exchangespool-grpc-dotnet/1.0";

    // CancellationTokenSource.CancelAfter accepts at most this; a longer deadline is no deadline in practice.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly StreamingRequestContent? _requestStream;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _callToken;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenRegistration _onCancelled;
    private readonly Task<FramedMessageReader?> _responseBody;
    private readonly CountingBufferWriter _counter = new();
    private HttpResponseMessage? _response;
    private RpcException? _failure;
    private Task? _singleResponse;
    private PipeWriter? _requestWriter;
    private int _writing;
    private bool _requestsCompleted;
    private bool _cancelledByCaller;
    private volatile bool _completed;
    private bool _disposed;

    private ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options, HttpContent content)
    {
        _channel = channel;
        _method = method;
        _requestStream = content as StreamingRequestContent;
        _callerToken = options.CancellationToken;
        var timeout = TimeUntil(options.Deadline);
        if (timeout is { } delay)
        {
            _deadline = new CancellationTokenSource();
            if (delay <= TimeSpan.Zero)
            {
                _deadline.Cancel();
            }
            else if (delay <= MaxTimerDelay)
            {
                _deadline.CancelAfter(delay);
            }
        }

        _cancellation = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(_callerToken)
            : CancellationTokenSource.CreateLinkedTokenSource(_callerToken, _deadline.Token);
        _callToken = _cancellation.Token;

        // Record why the call was cancelled as soon as it is, so every reader and writer reports the same status.
        _onCancelled = _callToken.UnsafeRegister(static state => ((ClientCall<TRequest, TResponse>)state!).Fail(new OperationCanceledException()), this);
        _responseBody = SendAsync(CreateRequest(content, options.Headers, timeout));
    }

    public TResponse CurrentResponse { get; private set; } = default!;

    public static ClientCall<TRequest, TResponse> StartWithSingleRequest(
        GrpcChannel channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options)
    {
        ReadOnlyMemory<byte> message;
        try
        {
            message = MessageFraming.WriteMessageToArray(request, method.RequestMarshaller, channel.MaxSendMessageSize);
        }
        catch (SerializationFailedException ex)
        {
            throw ex.ToRpcException();
        }

        var content = new ReadOnlyMemoryContent(message);
        content.Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
        return new ClientCall<TRequest, TResponse>(channel, method, options, content);
    }

    public static ClientCall<TRequest, TResponse> StartWithRequestStream(
        GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options) =>
        new(channel, method, options, new StreamingRequestContent());

    /// <summary>Starts reading the single response now, so the call's outcome is known while requests are still written.</summary>
    public Task<TResponse> ObserveSingleResponse()
    {
        var response = ReadSingleResponseAsync();
        _singleResponse = response;
        return response;
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var body = await _responseBody.ConfigureAwait(false)
            ?? throw Fail(MissingResponse());
        ReadOnlySequence<byte>? payload;
        try
        {
            payload = await body.ReadSingleAsync(_callToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }

        ThrowIfNotOk(TrailerStatus());
        var response = Deserialize(payload ?? throw Fail(MissingResponse()));
        body.Release();
        Complete();
        return response;
    }

    public async ValueTask<bool> ReadNextResponseAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        if (_completed)
        {
            return false;
        }

        using var registration = CancelOn(cancellationToken);
        var body = await _responseBody.ConfigureAwait(false);
        if (body is null)
        {
            Complete();
            return false;
        }

        ReadOnlySequence<byte>? payload;
        try
        {
            payload = await body.ReadNextAsync(_callToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }

        if (payload is null)
        {
            ThrowIfNotOk(TrailerStatus());
            Complete();
            return false;
        }

        CurrentResponse = Deserialize(payload.Value);
        return true;
    }

    public async ValueTask WriteRequestAsync(TRequest message, CancellationToken cancellationToken)
    {
        var content = _requestStream ?? throw new InvalidOperationException("This call has no request stream.");
        if (_requestsCompleted)
        {
            throw new InvalidOperationException("The request stream has already been completed.");
        }

        ThrowIfFailed();
        if (_completed)
        {
            throw new InvalidOperationException("The call is already complete.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A previous write is still in progress; await it before writing again.");
        }

        try
        {
            using var registration = CancelOn(cancellationToken);
            // 256 KiB segments: a 1 MiB message reaches the HTTP/2 stream in 4 writes rather than 256
            // of the default 4 KiB, each of which takes the connection's write lock.
            _requestWriter ??= PipeWriter.Create(
                await content.WaitForStreamAsync(_callToken).ConfigureAwait(false),
                new StreamPipeWriterOptions(minimumBufferSize: 256 * 1024, leaveOpen: true));
            MessageFraming.WriteMessage(_requestWriter, message, _method.RequestMarshaller, _channel.MaxSendMessageSize, _counter);
            var result = await _requestWriter.FlushAsync(_callToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException(_callToken);
            }
        }
        catch (Exception ex) when (ex is RpcException or SerializationFailedException)
        {
            throw Fail(ex);
        }
        catch (Exception ex)
        {
            throw await WriteFailureAsync(ex).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public async Task CompleteRequestsAsync()
    {
        var content = _requestStream ?? throw new InvalidOperationException("This call has no request stream.");
        if (_requestsCompleted)
        {
            return;
        }

        if (Volatile.Read(ref _writing) == 1)
        {
            throw new InvalidOperationException("A write is still in progress; await it before completing the request stream.");
        }

        _requestsCompleted = true;
        ThrowIfFailed();
        if (_requestWriter is not null)
        {
            await _requestWriter.CompleteAsync().ConfigureAwait(false);
        }

        content.Complete();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_completed)
        {
            _cancelledByCaller = true;
            Fail(new OperationCanceledException());
        }

        _onCancelled.Dispose();
        _response?.Dispose();
        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    private static TimeSpan? TimeUntil(DateTime? deadline)
    {
        if (deadline is not { } value || value == DateTime.MaxValue)
        {
            return null;
        }

        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        return utc - DateTime.UtcNow;
    }

    private static RpcException MissingResponse() => new(StatusCode.Unimplemented, "Response did not include a message.");

    private HttpRequestMessage CreateRequest(HttpContent content, IReadOnlyDictionary<string, string>? headers, TimeSpan? timeout)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetMethodUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var requestHeaders = request.Headers;
        requestHeaders.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        requestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
        if (timeout > TimeSpan.Zero)
        {
            requestHeaders.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout.Value));
        }

        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                if (!requestHeaders.TryAddWithoutValidation(name, value))
                {
                    throw new ArgumentException($"'{name}' cannot be sent as a request header.", nameof(headers));
                }
            }
        }

        return request;
    }

    /// <summary>Sends the request; returns the reader of the response body, or null for a Trailers-Only OK response.</summary>
    private async Task<FramedMessageReader?> SendAsync(HttpRequestMessage request)
    {
        HttpResponseMessage response;
        Stream body;
        try
        {
            response = await _channel.Invoker.SendAsync(request, _callToken).ConfigureAwait(false);
            _response = response;
            ThrowIfFailed();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new RpcException(ClientStatus.FromHttpStatus(response.StatusCode));
            }

            if (ClientStatus.Read(response.Headers) is { } status)
            {
                ThrowIfNotOk(status);
                return null;
            }

            var contentType = response.Content.Headers.ContentType?.MediaType;
            if (!GrpcProtocol.IsGrpcContentType(contentType))
            {
                throw new RpcException(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}");
            }

            body = await response.Content.ReadAsStreamAsync(_callToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var failure = Fail(ex);
            _response?.Dispose();
            throw failure;
        }

        // 128 KiB segments: a 1 MiB response message is read from the HTTP/2 stream in about 8 reads
        // rather than 256 of the default 4 KiB.
        return new FramedMessageReader(
            PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 128 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true)),
            _channel.MaxReceiveMessageSize);
    }

    // Called once the body was read to its end, which is when HttpClient has the trailers.
    private Status TrailerStatus() =>
        ClientStatus.Read(_response!.TrailingHeaders) ?? new Status(StatusCode.Internal, "No grpc-status found on response.");

    private TResponse Deserialize(in ReadOnlySequence<byte> payload)
    {
        try
        {
            return _method.ResponseMarshaller.Deserializer(payload);
        }
        catch (Exception ex)
        {
            throw Fail(new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message."), ex));
        }
    }

    private void ThrowIfNotOk(Status status)
    {
        if (status.Code != StatusCode.OK)
        {
            throw Fail(new RpcException(status));
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure;
        }
    }

    private CancellationTokenRegistration CancelOn(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((ClientCall<TRequest, TResponse>)state!).CancelByCaller(), this)
            : default;

    private void CancelByCaller()
    {
        _cancelledByCaller = true;
        Fail(new OperationCanceledException());
    }

    private void Complete()
    {
        _completed = true;
        _requestStream?.Complete();
    }

    /// <summary>
    /// Records the call's failure (the first one wins) and tears the call down: the HTTP/2 stream is reset
    /// and pending reads and writes end. Returns the recorded failure.
    /// </summary>
    private RpcException Fail(Exception exception)
    {
        var failure = ToRpcException(exception);
        var recorded = Interlocked.CompareExchange(ref _failure, failure, null);
        if (recorded is not null)
        {
            return recorded;
        }

        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Dispose already ran: nothing left to cancel.
        }

        _requestStream?.Abort();
        _response?.Dispose();
        return failure;
    }

    /// <summary>
    /// A write failed on the transport. The server may have ended the call (with a status that is arriving on
    /// the response), so wait for what is already being read before deciding what to report.
    /// </summary>
    private async Task<Exception> WriteFailureAsync(Exception exception)
    {
        await Task.WhenAll(_responseBody, _singleResponse ?? Task.CompletedTask)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Volatile.Read(ref _failure) is { } failure)
        {
            return failure;
        }

        if (_completed)
        {
            return new InvalidOperationException("The call completed before the message was sent.");
        }

        if (exception is OperationCanceledException && !_callToken.IsCancellationRequested)
        {
            // The server ended the request stream but its status is still on the response stream, unread:
            // report without failing the call, so reading the response still yields the real status.
            return new RpcException(
                new Status(StatusCode.Unknown, "The server closed the request stream; read the response stream for the call's status."),
                exception);
        }

        return Fail(exception);
    }

    private RpcException ToRpcException(Exception exception)
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            return failure;
        }

        switch (exception)
        {
            case RpcException rpc:
                return rpc;
            case SerializationFailedException serialization:
                return serialization.ToRpcException();
        }

        if (_deadline?.IsCancellationRequested == true)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), exception);
        }

        if (_cancelledByCaller || _callerToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."), exception);
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                return new RpcException(
                    ClientStatus.FromHttp2Error(protocol.ErrorCode, $"Call to {_channel.Address} reset: {protocol.Message}"),
                    exception);
            }
        }

        return new RpcException(
            new Status(StatusCode.Unavailable, $"Error calling {_channel.Address} ({_method.FullName}): {exception.Message}"),
            exception);
    }
}
