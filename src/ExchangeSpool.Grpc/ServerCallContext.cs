using System.Net;
using ExchangeSpool.Grpc.Internal.Server;
using Microsoft.AspNetCore.Http;

namespace ExchangeSpool.Grpc;

/// <summary>What a server handler knows about the call it serves. Valid only while the handler runs.</summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _httpContext;
    private IReadOnlyDictionary<string, string>? _requestHeaders;
    private string? _peer;

    internal ServerCallContext(string method, CancellationToken cancellationToken, DateTime? deadline, HttpContext httpContext)
    {
        Method = method;
        CancellationToken = cancellationToken;
        Deadline = deadline;
        _httpContext = httpContext;
    }

    /// <summary>The full method name, <c>/service/method</c>.</summary>
    public string Method { get; }

    /// <summary>Fires when the client cancels or disconnects, when the deadline passes, and when the server shuts down.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The deadline the client sent in <c>grpc-timeout</c>, in UTC; null when it sent none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>The request headers (custom metadata included), looked up case-insensitively; repeated values joined by commas.</summary>
    public IReadOnlyDictionary<string, string> RequestHeaders =>
        _requestHeaders ??= new HeaderDictionaryView(_httpContext.Request.Headers);

    /// <summary>The client's address, as gRPC formats it: <c>ipv4:127.0.0.1:5000</c> or <c>ipv6:[::1]:5000</c>.</summary>
    public string Peer => _peer ??= FormatPeer(_httpContext.Connection);

    private static string FormatPeer(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => "unknown",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } address => $"ipv6:[{address}]:{connection.RemotePort}",
        IPAddress address => $"ipv4:{address}:{connection.RemotePort}",
    };
}
