namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>
/// The services and methods mapped so far: duplicates fail at startup instead of as ambiguous routes at
/// request time, and the Unimplemented answer can say whether the service or only the method is unknown.
/// </summary>
internal sealed class RegisteredMethods
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private readonly HashSet<string> _methods = new(StringComparer.Ordinal);

    public void Register(string serviceName, string fullName)
    {
        lock (_lock)
        {
            if (!_methods.Add(fullName))
            {
                throw new InvalidOperationException($"gRPC method {fullName} is already mapped.");
            }

            _services.Add(serviceName);
        }
    }

    public bool IsServiceKnown(string serviceName)
    {
        lock (_lock)
        {
            return _services.Contains(serviceName);
        }
    }
}
