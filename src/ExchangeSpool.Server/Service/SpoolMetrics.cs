using System.Diagnostics.Metrics;

namespace ExchangeSpool.Server.Service;

/// <summary>The server's instruments, on one meter per server (so tests can tell servers apart).</summary>
public sealed class SpoolMetrics : IDisposable
{
    public const string MeterName = "ExchangeSpool";
    public const string IntegrityFailuresName = "exchangespool.integrity_failures";

    private readonly Counter<long> _integrityFailures;

    public SpoolMetrics()
    {
        Meter = new Meter(MeterName);
        _integrityFailures = Meter.CreateCounter<long>(IntegrityFailuresName, unit: "{failure}",
            description: "Reads refused because spooled data failed verification (checksum, authentication, length, identity).");
    }

    public Meter Meter { get; }

    public void IntegrityFailure() => _integrityFailures.Add(1);

    public void Dispose() => Meter.Dispose();
}
