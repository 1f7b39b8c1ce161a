using System.Net;
using System.Text.Json;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// An error answer of a namenode or datanode: the HTTP status and, when the body is WebHDFS's
/// <c>{"RemoteException": {"exception", "javaClassName", "message"}}</c>, the Hadoop exception class
/// and its message.
/// </summary>
public sealed class WebHdfsRemoteException(HttpStatusCode status, string? exceptionClass, string remoteMessage)
    : Exception($"{exceptionClass ?? "error"} (HTTP {(int)status}): {remoteMessage}")
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The exception's simple class name (<c>FileNotFoundException</c>), or null when the body was not a RemoteException.</summary>
    public string? ExceptionClass { get; } = exceptionClass;

    public string RemoteMessage { get; } = remoteMessage;

    public bool IsFileNotFound => ExceptionClass == "FileNotFoundException";

    /// <summary>A namenode in standby: its StandbyException, or a 403 without a RemoteException body (a proxy in front of a standby).</summary>
    public bool IsStandby => ExceptionClass == "StandbyException" || (ExceptionClass is null && Status == HttpStatusCode.Forbidden);

    /// <summary>Answers that a later attempt may not get: the namenode is busy, starting or recovering a lease, or the server failed.</summary>
    public bool IsRetryable => (int)Status >= 500 || Status == HttpStatusCode.TooManyRequests
        || ExceptionClass is "RetriableException" or "SafeModeException" or "RecoveryInProgressException" or "AlreadyBeingCreatedException" or "ServerTooBusyException";

    /// <summary>A quota or a full cluster: freeing space helps, retrying at once does not.</summary>
    public bool IsStorageFull => Status == HttpStatusCode.InsufficientStorage
        || ExceptionClass is "DSQuotaExceededException" or "NSQuotaExceededException" or "QuotaExceededException" or "ClusterStorageCapacityExceededException";

    /// <summary>Reads the error of <paramref name="response"/>, whose status is not a success.</summary>
    public static async Task<WebHdfsRemoteException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("RemoteException", out var remote))
            {
                var exception = remote.TryGetProperty("exception", out var name) ? name.GetString() : null;
                if (exception is null && remote.TryGetProperty("javaClassName", out var javaClass))
                    exception = javaClass.GetString()?.Split('.')[^1];
                return new WebHdfsRemoteException(response.StatusCode, exception,
                    remote.TryGetProperty("message", out var message) ? message.GetString() ?? "" : "");
            }
        }
        catch (JsonException)
        {
            // Not WebHDFS's error body (a proxy's page): reported by status and text below.
        }
        var text = body.Length > 200 ? body[..200] : body;
        return new WebHdfsRemoteException(response.StatusCode, null, text.Length == 0 ? response.ReasonPhrase ?? "" : text);
    }
}

/// <summary>A namenode that could not be reached (refused, reset, timed out): the next one of an HA pair is tried.</summary>
internal sealed class NamenodeUnreachableException(Uri namenode, Exception inner)
    : Exception($"namenode {namenode} unreachable: {(inner.InnerException ?? inner).Message}", inner);
