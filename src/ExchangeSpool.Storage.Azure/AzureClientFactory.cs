using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage.Blobs;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// Builds the Blob service client of one base directory. Retries are the SDK's own (exponential
/// backoff with jitter, honouring Retry-After), bounded at <see cref="AzureOptions.MaxErrorRetries"/>
/// retries of <see cref="AzureOptions.RequestTimeout"/> each; <see cref="AzureRequests"/> bounds all
/// attempts together by <see cref="AzureOptions.MaxRetryTime"/>. There is no second retry loop.
/// </summary>
internal static class AzureClientFactory
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With a connection string, its Blob endpoint (Azurite's <c>http://127.0.0.1:10000/devstoreaccount1</c>,
    /// say) whatever host the base directory names; else <see cref="AzureOptions.Endpoint"/> or the
    /// base directory's own account, with the default Azure credential chain.
    /// </summary>
    public static BlobServiceClient Create(AzureLocation location, AzureOptions options, StorageRequestCounters counters, TokenCredential? credential)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxErrorRetries;
        clientOptions.Retry.Delay = BaseDelay;
        clientOptions.Retry.MaxDelay = MaxDelay;
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;
        clientOptions.AddPolicy(new RequestCountingPolicy(counters), HttpPipelinePosition.PerRetry);
        return options.ConnectionString is { } connectionString
            ? new BlobServiceClient(connectionString, clientOptions)
            : new BlobServiceClient(options.Endpoint ?? location.BlobEndpoint, credential ?? throw new ArgumentNullException(nameof(credential)), clientOptions);
    }

    /// <summary>The default chain (environment, workload identity, managed identity, Azure CLI, ...), or null with a connection string.</summary>
    public static TokenCredential? Credential(AzureOptions options) =>
        options.ConnectionString is null ? new DefaultAzureCredential() : null;

    /// <summary>
    /// The account the connection string or endpoint is for, when it names one; a base directory on
    /// another account is refused, as its requests would go to the wrong account.
    /// </summary>
    public static string? AccountOf(AzureOptions options)
    {
        if (options.ConnectionString is { } connectionString)
            return new BlobServiceClient(connectionString).AccountName;
        return options.Endpoint is { } endpoint ? new BlobServiceClient(endpoint).AccountName : null;
    }
}

/// <summary>Counts each attempt of each request by type, the attempts that were retries, and the attempts under way.</summary>
internal sealed class RequestCountingPolicy(StorageRequestCounters counters) : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var inFlight = Start(message);
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var inFlight = Start(message);
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    private InFlightRequest Start(HttpMessage message)
    {
        var type = TypeOf(message.Request);
        var inFlight = counters.Start(type);
        if (message.ProcessingContext.RetryNumber > 0)
            counters.Retry(type);
        if (message.TryGetProperty(AttemptCount.Property, out var count) && count is AttemptCount attempts)
            attempts.Increment(type);
        return inFlight;
    }

    private static StorageRequestType TypeOf(Request request)
    {
        if (request.Method == RequestMethod.Put)
            return StorageRequestType.Put;
        if (request.Method == RequestMethod.Delete)
            return StorageRequestType.Delete;
        return request.Uri.Query.Contains("comp=list", StringComparison.Ordinal) ? StorageRequestType.List : StorageRequestType.Get;
    }
}

/// <summary>The attempts one operation took and the type of the last, noted by <see cref="RequestCountingPolicy"/> for its error message and error count.</summary>
internal sealed class AttemptCount
{
    public const string Property = "ExchangeSpool.AttemptCount";

    private int _value;
    private int _lastType;

    public int Value => Volatile.Read(ref _value);

    public StorageRequestType LastType => (StorageRequestType)Volatile.Read(ref _lastType);

    public void Increment(StorageRequestType type)
    {
        Volatile.Write(ref _lastType, (int)type);
        Interlocked.Increment(ref _value);
    }
}
