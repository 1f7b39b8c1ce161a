using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>
/// The Azure Blob Storage every Azure test talks to: the account in <c>EXCHANGE_SPOOL_AZURE_CONNECTION_STRING</c>
/// (an account-key connection string), or else an <see cref="Azurite"/> started once for the whole test run.
/// The benchmark harness compiles this file in too, for its Azure section.
/// </summary>
public sealed class AzureTestEndpoint : IAsyncDisposable
{
    public const string ConnectionStringVariable = "EXCHANGE_SPOOL_AZURE_CONNECTION_STRING";

    private static readonly SharedPerRun<AzureTestEndpoint> Shared = new(StartAsync, async shared =>
    {
        if (shared.Azurite is { } azurite)
        {
            await shared.DisposeAsync();
            Console.WriteLine($"Azurite: started in {azurite.StartTime.TotalSeconds:F1}s");
        }
    });

    private readonly Dictionary<string, string> _settings;

    private AzureTestEndpoint(string connectionString, Azurite? azurite)
    {
        ConnectionString = connectionString;
        Azurite = azurite;
        _settings = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.OrdinalIgnoreCase);
        var service = new BlobServiceClient(connectionString);
        Account = service.AccountName;
        BlobEndpoint = service.Uri;
    }

    public string ConnectionString { get; }

    public string Account { get; }

    public Uri BlobEndpoint { get; }

    /// <summary>The Azurite this run started, or null for an external account.</summary>
    public Azurite? Azurite { get; }

    /// <summary>Why there is no Azure Blob Storage to use here, or null when there is one.</summary>
    public static string? Unavailable =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } || Azurite.Executable is not null
            ? null
            : $"no Azure Blob Storage: run npm ci --prefix tests/azurite (tests/run-all.sh does) or set {ConnectionStringVariable}";

    public static Task<AzureTestEndpoint> SharedAsync() => Shared.GetAsync();

    public static Task StopSharedAsync() => Shared.StopAsync();

    /// <summary>An endpoint of the caller's own; disposing it stops the Azurite it started.</summary>
    public static async Task<AzureTestEndpoint> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } connectionString)
            return new AzureTestEndpoint(connectionString, azurite: null);
        if (Unavailable is { } reason)
            throw new InvalidOperationException(reason);
        var azurite = await Azurite.StartAsync();
        return new AzureTestEndpoint(
            $"DefaultEndpointsProtocol=http;AccountName={Azurite.Account};AccountKey={Azurite.AccountKey};BlobEndpoint={azurite.BlobEndpoint};",
            azurite);
    }

    /// <summary>What the endpoint is, for reports.</summary>
    public string Kind => Azurite is null ? $"external account {Account}" : "Azurite (in memory) on loopback";

    public ValueTask DisposeAsync() => Azurite?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The connection string, or one that sends the same account's requests to a proxy in front of it (path style).</summary>
    public string ConnectionStringThrough(Uri? through) => through is null
        ? ConnectionString
        : $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={_settings["AccountKey"]};BlobEndpoint={new Uri(through, Account)};";

    /// <summary>Trino's form of a base directory in <paramref name="container"/>, on this account.</summary>
    public string BaseDirectory(string container, string path = "") =>
        $"abfs://{container}@{Account}.dfs.core.windows.net" + (path.Length == 0 ? "" : "/" + path);

    /// <summary>The Azure backend's options for this account, or for a proxy in front of it.</summary>
    public AzureOptions Options(Uri? through = null) => new() { ConnectionString = ConnectionStringThrough(through) };

    /// <summary>The settings (<c>key=value</c>) that point a spool server at this account (or a proxy in front of it).</summary>
    public IEnumerable<string> ServerSettings(Uri? through = null) => [$"{AzureOptions.ConnectionStringKey}={ConnectionStringThrough(through)}"];

    /// <summary>The same as command-line options.</summary>
    public IEnumerable<string> ServerArguments(Uri? through = null) => ServerSettings(through).Select(setting => $"--{setting}");

    public BlobServiceClient CreateClient() => new(ConnectionString);

    /// <summary>New containers with unique names, so runs against a shared external account do not collide.</summary>
    public async Task<string[]> CreateContainersAsync(int count)
    {
        var client = CreateClient();
        var run = Guid.NewGuid().ToString("N")[..10];
        var names = Enumerable.Range(0, count).Select(i => $"spool-test-{run}-{i}").ToArray();
        foreach (var name in names)
            await client.CreateBlobContainerAsync(name);
        return names;
    }

    public async Task DeleteContainersAsync(IEnumerable<string> names)
    {
        var client = CreateClient();
        foreach (var name in names)
            await client.DeleteBlobContainerAsync(name);
    }

    /// <summary>Every committed blob under <paramref name="prefix"/>.</summary>
    public async Task<List<string>> ListBlobsAsync(string container, string prefix)
    {
        var names = new List<string>();
        await foreach (var item in CreateClient().GetBlobContainerClient(container).GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, default))
            names.Add(item.Name);
        return names;
    }
}
