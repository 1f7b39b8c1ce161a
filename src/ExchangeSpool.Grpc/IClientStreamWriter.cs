namespace ExchangeSpool.Grpc;

/// <summary>The request side of a client-streaming or duplex call.</summary>
public interface IClientStreamWriter<in T> : IMessageWriter<T>
{
    /// <summary>Ends the request stream (HTTP/2 END_STREAM). Writing afterwards is an error.</summary>
    Task CompleteAsync();
}
