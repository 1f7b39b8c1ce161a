namespace ExchangeSpool.Grpc;

/// <summary>A call that ended with a non-OK status. Thrown by the client; thrown by a handler to choose the status it returns.</summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, innerException: null)
    {
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail))
    {
    }

    public RpcException(Status status, Exception? innerException)
        : base(status.ToString(), innerException)
    {
        Status = status;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.Code;
}
