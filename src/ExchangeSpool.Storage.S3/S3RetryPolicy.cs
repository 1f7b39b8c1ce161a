using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using ExchangeSpool.Core;

namespace ExchangeSpool.Storage.S3;

/// <summary>Error answers a caller handles itself (a missing object, a refused condition): <see cref="S3RetryPolicy"/> passes them through.</summary>
[Flags]
public enum S3Answers
{
    None = 0,
    /// <summary>404: the object (NoSuchKey) or upload (NoSuchUpload) does not exist.</summary>
    NotFound = 1,
    /// <summary>412: a conditional write found the object existing.</summary>
    PreconditionFailed = 2,
    /// <summary>416 InvalidRange: a ranged read starts at or past the object's end.</summary>
    RangeNotSatisfiable = 4,
}

/// <summary>
/// Sends one S3 request, retrying throttling (503 SlowDown, 429), server errors (5xx), timeouts and
/// lost connections with capped exponential backoff and full jitter, at most
/// <see cref="S3Options.MaxErrorRetries"/> times and within <see cref="S3Options.MaxRetryTime"/>,
/// so a throttled bucket slows a sink down without stalling it for ever. The SDK's own retries are
/// off (one S3 client per bucket, no shared adaptive token bucket), so every attempt is counted here.
/// </summary>
public sealed class S3RetryPolicy(S3Options options, S3RequestCounters counters)
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds or may not be retried. A failure that remains
    /// is a <see cref="SpoolException"/> naming the operation, bucket, key and S3 error code (a
    /// <see cref="SpoolException"/> the call throws itself passes unchanged); only the answers in
    /// <paramref name="expected"/> pass through as <see cref="AmazonS3Exception"/>, for the caller to
    /// handle. Nothing else of the SDK leaves here, so no storage exception reaches a client unmapped.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(S3RequestType type, string operation, string bucket, string key,
        Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, S3Answers expected = S3Answers.None)
    {
        var deadline = DateTime.UtcNow + options.MaxRetryTime;
        for (var attempt = 0; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.RequestTimeout);
            Exception failure;
            try
            {
                using var inFlight = counters.Start(type);
                return await call(timeout.Token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (IsExpected(e, expected))
            {
                throw;
            }
            catch (SpoolException)
            {
                throw;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                failure = e;
            }
            var delay = Backoff(attempt);
            if (!IsRetryable(failure) || attempt >= options.MaxErrorRetries || DateTime.UtcNow + delay > deadline)
            {
                counters.Error(type);
                throw Failed(operation, bucket, key, failure, attempt + 1);
            }
            counters.Retry(type);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task ExecuteAsync(S3RequestType type, string operation, string bucket, string key,
        Func<CancellationToken, Task> call, CancellationToken cancellationToken, S3Answers expected = S3Answers.None) =>
        await ExecuteAsync<bool>(type, operation, bucket, key, async token =>
        {
            await call(token).ConfigureAwait(false);
            return true;
        }, cancellationToken, expected).ConfigureAwait(false);

    private static bool IsExpected(AmazonS3Exception e, S3Answers expected) => e.StatusCode switch
    {
        HttpStatusCode.NotFound => expected.HasFlag(S3Answers.NotFound),
        HttpStatusCode.PreconditionFailed => expected.HasFlag(S3Answers.PreconditionFailed),
        HttpStatusCode.RequestedRangeNotSatisfiable => expected.HasFlag(S3Answers.RangeNotSatisfiable),
        _ => false,
    };

    /// <summary>Throttling, server errors, timeouts and broken connections; not client errors such as 403 or 400.</summary>
    public static bool IsRetryable(Exception failure)
    {
        // An error answer; a failure while reading a successful answer's body carries its 2xx status instead.
        if (failure is AmazonServiceException { StatusCode: var status } service && (int)status >= 300)
            return (int)status is 429 or >= 500 || service.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling";
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or SocketException or OperationCanceledException)
                return true;
        }
        return false;
    }

    /// <summary>A quota or a full store (Ceph RGW's QuotaExceeded, MinIO's XMinioStorageFull, HTTP 507): freeing space helps, retrying at once does not.</summary>
    public static bool IsStorageFull(Exception failure) =>
        failure is AmazonServiceException { StatusCode: HttpStatusCode.InsufficientStorage }
            or AmazonServiceException { ErrorCode: "QuotaExceeded" or "XMinioStorageFull" };

    /// <summary>Full jitter over a capped exponential: spreads the retries of many writers hit by the same SlowDown.</summary>
    private static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    private static SpoolException Failed(string operation, string bucket, string key, Exception failure, int attempts)
    {
        var reason = failure switch
        {
            AmazonServiceException { StatusCode: var status } e when (int)status >= 300 =>
                $"{e.ErrorCode ?? "error"} (HTTP {(int)status}): {e.Message}",
            OperationCanceledException => "timed out",
            _ => $"{failure.GetType().Name}: {Innermost(failure).Message}",
        };
        var tries = attempts == 1 ? "" : $" after {attempts} attempts";
        var spoolReason = IsStorageFull(failure) ? SpoolErrorReason.StorageFull
            : failure is AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } ? SpoolErrorReason.StorageAccessDenied
            : SpoolErrorReason.StorageUnavailable;
        return new SpoolException(spoolReason, $"S3 {operation} s3://{bucket}/{key} failed{tries}: {reason}", failure);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
