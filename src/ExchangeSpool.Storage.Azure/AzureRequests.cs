using Azure;
using Azure.Core.Pipeline;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// Runs one Azure operation (the SDK retrying inside it) within <see cref="AzureOptions.MaxRetryTime"/>
/// for all its attempts, and turns what remains of a failure into a <see cref="SpoolException"/> naming
/// the operation, container, blob and Azure error code. No storage exception leaves it unmapped,
/// except the answers the caller says it expects (a 404 where "missing" is an answer).
/// </summary>
internal sealed class AzureRequests(AzureOptions options, StorageRequestCounters counters)
{
    public async Task<T> RunAsync<T>(string operation, AzureContainer container, string blob,
        Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, Func<RequestFailedException, bool>? expected = null)
    {
        var attempts = new AttemptCount();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.MaxRetryTime);
        using var scope = HttpPipeline.CreateHttpMessagePropertiesScope(new Dictionary<string, object?> { [AttemptCount.Property] = attempts });
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (expected?.Invoke(e) == true)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not SpoolException)
        {
            counters.Error(attempts.LastType);
            throw Failed(operation, container, blob, e, attempts.Value, timedOut: deadline.IsCancellationRequested);
        }
    }

    public Task RunAsync(string operation, AzureContainer container, string blob,
        Func<CancellationToken, Task> call, CancellationToken cancellationToken, Func<RequestFailedException, bool>? expected = null) =>
        RunAsync<bool>(operation, container, blob, async token =>
        {
            await call(token).ConfigureAwait(false);
            return true;
        }, cancellationToken, expected);

    public static bool IsNotFound(RequestFailedException e) => e.Status == 404;

    private SpoolException Failed(string operation, AzureContainer container, string blob, Exception failure, int attempts, bool timedOut)
    {
        var reason = failure switch
        {
            RequestFailedException { Status: > 0 } e => $"{e.ErrorCode ?? "error"} (HTTP {e.Status}): {FirstLine(e.Message)}",
            _ when timedOut => $"no success within {options.MaxRetryTime} ({AzureOptions.MaxRetryTimeKey})",
            OperationCanceledException => "timed out",
            _ => $"{Innermost(failure).GetType().Name}: {FirstLine(Innermost(failure).Message)}",
        };
        var tries = attempts <= 1 ? "" : $" after {attempts} attempts";
        return new SpoolException(ReasonOf(failure),
            $"Azure {operation} of blob '{blob}' in container '{container.Name}' (account {container.Account}) failed{tries}: {reason}", failure);
    }

    /// <summary>403 is a permission the operator must grant; 507 a full store; everything else may pass (throttling, 5xx, a lost connection).</summary>
    private static SpoolErrorReason ReasonOf(Exception failure) => failure switch
    {
        RequestFailedException { Status: 403 } => SpoolErrorReason.StorageAccessDenied,
        RequestFailedException { Status: 507 } => SpoolErrorReason.StorageFull,
        _ => SpoolErrorReason.StorageUnavailable,
    };

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
