using Microsoft.AspNetCore.Http;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>
/// Runs one call of a method: accepts the request, gives the handler its reader, writer and context,
/// and turns however the handler ended into the status sent to the client.
/// </summary>
internal abstract class ServerCallHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, GrpcServerRuntime runtime)
{
    private static readonly Status DeadlineExceededStatus = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");
    private static readonly Status ClientCancelledStatus = new(StatusCode.Cancelled, "Call canceled by the client.");
    private static readonly Status ServerStoppingStatus = new(StatusCode.Unavailable, "The server is shutting down.");
    private static readonly Status HandlerFailedStatus = new(StatusCode.Internal, "Exception was thrown by handler.");

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        if (!GrpcHttpExchange.TryAccept(httpContext, runtime.Logger))
        {
            return;
        }

        using var cancellation = new ServerCallCancellation(
            httpContext.RequestAborted, runtime.ServerStopping, ReadTimeout(httpContext.Request));
        var context = new ServerCallContext(method.FullName, cancellation.Token, cancellation.Deadline, httpContext);
        var requests = new RequestBodyReader<TRequest>(
            new FramedMessageReader(httpContext.Request.BodyReader, runtime.Options.MaxReceiveMessageSize),
            method.RequestMarshaller,
            cancellation.Token);
        var responses = new ResponseBodyWriter<TResponse>(
            httpContext.Response.BodyWriter, method.ResponseMarshaller, runtime.Options.MaxSendMessageSize, cancellation.Token);

        Status status;
        try
        {
            await InvokeAsync(requests, responses, context).ConfigureAwait(false);
            status = cancellation.DeadlineExceeded ? DeadlineExceededStatus : Status.Ok;
        }
        catch (Exception ex)
        {
            status = ToStatus(ex, cancellation);
        }
        finally
        {
            requests.Release();
        }

        if (responses.OutputCorrupted)
        {
            GrpcHttpExchange.ResetStream(httpContext);
            return;
        }

        GrpcHttpExchange.WriteStatus(httpContext.Response, status);
    }

    /// <summary>Reads the request(s), calls the application's handler and writes its response(s).</summary>
    protected abstract Task InvokeAsync(RequestBodyReader<TRequest> requests, ResponseBodyWriter<TResponse> responses, ServerCallContext context);

    private TimeSpan? ReadTimeout(HttpRequest request)
    {
        var value = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (GrpcTimeout.TryParse(value, out var timeout))
        {
            return timeout;
        }

        ServerLog.InvalidTimeout(runtime.Logger, method.FullName, value);
        return null;
    }

    private Status ToStatus(Exception exception, ServerCallCancellation cancellation)
    {
        var status = Classify(exception, cancellation);
        if (status is { } known)
        {
            ServerLog.CallFailed(runtime.Logger, method.FullName, known.Code, known.Detail, exception);
            return known;
        }

        ServerLog.HandlerFailed(runtime.Logger, method.FullName, exception);
        return HandlerFailedStatus;
    }

    private Status? Classify(Exception exception, ServerCallCancellation cancellation)
    {
        if (cancellation.DeadlineExceeded)
        {
            return DeadlineExceededStatus;
        }

        switch (exception)
        {
            case RpcException rpc:
                return rpc.Status;
            case SerializationFailedException serialization:
                ServerLog.SerializationFailed(runtime.Logger, method.FullName, serialization);
                return serialization.ToRpcException().Status;
        }

        // Once the client is gone or the server is stopping, whatever the handler threw is a consequence.
        if (cancellation.Token.IsCancellationRequested)
        {
            return cancellation.ServerStopping ? ServerStoppingStatus : ClientCancelledStatus;
        }

        try
        {
            return runtime.Options.ExceptionMapper?.Invoke(exception);
        }
        catch (Exception mapperException)
        {
            ServerLog.ExceptionMapperFailed(runtime.Logger, method.FullName, mapperException);
            return null;
        }
    }
}
