using System.Diagnostics.Metrics;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>The request classes S3 bills separately: <see cref="StorageRequestType"/> with S3's requests named.</summary>
public enum S3RequestType
{
    /// <summary>PUT, POST and multipart calls that write (PutObject, UploadPart, Create/CompleteMultipartUpload).</summary>
    Put = StorageRequestType.Put,
    /// <summary>GET and HEAD.</summary>
    Get = StorageRequestType.Get,
    /// <summary>ListObjectsV2, ListMultipartUploads.</summary>
    List = StorageRequestType.List,
    /// <summary>DeleteObject, DeleteObjects, AbortMultipartUpload.</summary>
    Delete = StorageRequestType.Delete,
}

/// <summary>
/// Counts every request sent to S3, retries included, by type, because users pay per request; the
/// retries among them; and the operations that failed (see <see cref="StorageRequestCounters"/>). One meter per storage, so tests can tell servers apart.
/// </summary>
public sealed class S3RequestCounters : IDisposable
{
    public const string MeterName = "ExchangeSpool.Storage.S3";

    private readonly StorageRequestCounters _counters = new(MeterName, "s3", "S3");

    public Meter Meter => _counters.Meter;

    /// <summary>Counts a request sent; it is in flight until the scope is disposed.</summary>
    public InFlightRequest Start(S3RequestType type) => _counters.Start((StorageRequestType)type);

    public void Retry(S3RequestType type) => _counters.Retry((StorageRequestType)type);

    public void Error(S3RequestType type) => _counters.Error((StorageRequestType)type);

    /// <summary>Requests sent so far of one type, for tests and the status line.</summary>
    public long Total(S3RequestType type) => _counters.Total((StorageRequestType)type);

    public long Retries => _counters.Retries;

    /// <summary>Requests of one type under way now.</summary>
    public long InFlight(S3RequestType type) => _counters.InFlight(Name(type));

    public static string Name(S3RequestType type) => StorageRequestCounters.Name((StorageRequestType)type);

    public void Dispose() => _counters.Dispose();
}
