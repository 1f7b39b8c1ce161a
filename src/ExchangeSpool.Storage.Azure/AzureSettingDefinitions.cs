using ExchangeSpool.Core.Configuration;
using static ExchangeSpool.Core.Configuration.SettingParsers;

namespace ExchangeSpool.Storage.Azure;

/// <summary>The Azure backend's keys: Trino's <c>exchange.azure.*</c> names and defaults, plus ours under <c>exchange.spool.azure.*</c>; each binds into <see cref="AzureOptions"/>.</summary>
internal static class AzureSettingDefinitions
{
    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        SettingDefinition.Secret(AzureOptions.ConnectionStringKey,
            "A storage account connection string (account key or SAS); give it as the environment variable `EXCHANGE_AZURE_CONNECTION_STRING`. Its Blob endpoint is used whatever host a base directory names (Azurite: `BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1`), and every base directory must be on its account. Never logged.",
            OptionalText, (AzureOptions azure, string? text) => azure with { ConnectionString = text }),
        SettingDefinition.Bound(AzureOptions.EndpointKey, "",
            "The Blob service endpoint (`https://account.blob.core.windows.net`) used with the default Azure credential chain (workload identity, managed identity, environment) instead of a connection string; with neither, each base directory's own account host is used that way.",
            Endpoint, (AzureOptions azure, Uri? endpoint) => azure with { Endpoint = endpoint }),
        SettingDefinition.Bound(AzureOptions.BlockSizeKey, "4MB",
            "Block size (4MB to 256MB): a file smaller than one block is one Put Blob, a larger one is staged block by block and committed with its block list; a writer holds at most 3 blocks, a reader 2 windows of this size.",
            DataSizeBytes, (AzureOptions azure, long bytes) => azure with { BlockSize = bytes }),
        SettingDefinition.Bound(AzureOptions.MaxErrorRetriesKey, "10",
            "Retries of a request that was throttled (503 ServerBusy, 429), failed with a 5xx, timed out or lost its connection; the SDK's exponential backoff with jitter.",
            Integer, (AzureOptions azure, int retries) => azure with { MaxErrorRetries = retries }),
        SettingDefinition.Bound(AzureOptions.RequestTimeoutKey, "2m",
            "The longest one attempt of one Azure request may take.",
            PositiveDuration, (AzureOptions azure, TimeSpan timeout) => azure with { RequestTimeout = timeout }),
        SettingDefinition.Bound(AzureOptions.MaxRetryTimeKey, "3m",
            "The longest all attempts of one Azure request may take together; then the sink or source fails naming container, blob and Azure error code.",
            PositiveDuration, (AzureOptions azure, TimeSpan time) => azure with { MaxRetryTime = time }),
        SettingDefinition.Bound(AzureOptions.DeleteRequestsPerSecondKey, "200",
            "Blob deletes per second per container when exchanges are deleted (one request a blob), so cleanup does not throttle writers.",
            Integer, (AzureOptions azure, int rate) => azure with { DeleteRequestsPerSecond = rate }),
    ];

    private static Uri? Endpoint(string key, string text) =>
        text.Length == 0
            ? null
            : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ConfigurationException(key, $"'{text}' is not an http(s) URL (examples: https://account.blob.core.windows.net, http://127.0.0.1:10000/devstoreaccount1)");
}
