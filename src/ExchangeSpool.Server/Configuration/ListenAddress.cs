using System.Globalization;
using System.Net;

namespace ExchangeSpool.Server.Configuration;

/// <summary>A <c>host:port</c> to listen on; an IPv6 host is written in brackets, <c>[::1]:9477</c>.</summary>
public sealed record ListenAddress(string Host, int Port)
{
    public const string Examples = "127.0.0.1:9477, localhost:9477, [::1]:9477";

    public bool IsLoopback =>
        Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Port 0 is accepted: the system then picks a free port.</summary>
    public static bool TryParse(string text, out ListenAddress? address)
    {
        address = null;
        var separator = text.LastIndexOf(':');
        if (separator <= 0
            || !int.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > IPEndPoint.MaxPort)
            return false;
        var host = text[..separator];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (!IPAddress.TryParse(host, out var bracketed) || bracketed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                return false;
        }
        else if (host.Contains(':') || host.Any(char.IsWhiteSpace))
        {
            return false;
        }
        address = new ListenAddress(host, port);
        return true;
    }

    public override string ToString() =>
        Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
