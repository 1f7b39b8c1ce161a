using System.Diagnostics.Metrics;

namespace ExchangeSpool.Storage.S3;

/// <summary>The request classes S3 bills separately.</summary>
public enum S3RequestType
{
    /// <summary>PUT, POST and multipart calls that write (PutObject, UploadPart, Create/CompleteMultipartUpload).</summary>
    Put,
    /// <summary>GET and HEAD.</summary>
    Get,
    /// <summary>ListObjectsV2, ListMultipartUploads.</summary>
    List,
    /// <summary>DeleteObject, DeleteObjects, AbortMultipartUpload.</summary>
    Delete,
}

/// <summary>
/// Counts every request sent to S3, retries included, by type, because users pay per request; and
/// the retries and failures among them. One meter per storage, so tests can tell servers apart.
/// </summary>
public sealed class S3RequestCounters : IDisposable
{
    public const string MeterName = "ExchangeSpool.Storage.S3";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly long[] _totals = new long[Enum.GetValues<S3RequestType>().Length];
    private long _retryTotal;

    public S3RequestCounters()
    {
        Meter = new Meter(MeterName);
        _requests = Meter.CreateCounter<long>("exchangespool.s3.requests", unit: "{request}",
            description: "Requests sent to S3 by type (PUT, GET, LIST, DELETE), retries included.");
        _retries = Meter.CreateCounter<long>("exchangespool.s3.retries", unit: "{request}",
            description: "Requests sent again after a throttling answer, a server error or a lost connection.");
    }

    public Meter Meter { get; }

    public void Request(S3RequestType type)
    {
        Interlocked.Increment(ref _totals[(int)type]);
        _requests.Add(1, new KeyValuePair<string, object?>("type", Name(type)));
    }

    public void Retry(S3RequestType type)
    {
        Interlocked.Increment(ref _retryTotal);
        _retries.Add(1, new KeyValuePair<string, object?>("type", Name(type)));
    }

    /// <summary>Requests sent so far of one type, for tests and the status line.</summary>
    public long Total(S3RequestType type) => Interlocked.Read(ref _totals[(int)type]);

    public long Retries => Interlocked.Read(ref _retryTotal);

    public static string Name(S3RequestType type) => type.ToString().ToUpperInvariant();

    public void Dispose() => Meter.Dispose();
}
