namespace ExchangeSpool.Grpc;

/// <summary>Handles a call with one request and one response.</summary>
public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context);

/// <summary>Handles a call with a stream of requests and one response.</summary>
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IMessageReader<TRequest> requests, ServerCallContext context);

/// <summary>Handles a call with one request and a stream of responses.</summary>
public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IMessageWriter<TResponse> responses, ServerCallContext context);

/// <summary>Handles a call with a stream of requests and a stream of responses.</summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IMessageReader<TRequest> requests, IMessageWriter<TResponse> responses, ServerCallContext context);
