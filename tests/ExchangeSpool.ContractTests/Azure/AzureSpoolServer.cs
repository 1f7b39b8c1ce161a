using ExchangeSpool.ContractTests.S3;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>
/// The contract fixture on Azure Blob Storage: two new containers, sinks striped across them (one base
/// directory with a path, one without), 4MB blocks and 16MB files, so files above one block are staged
/// block by block and smaller ones are one Put Blob.
/// </summary>
public class AzureSpoolServer : ObjectStoreSpoolServer
{
    private string[] _containers = [];

    public AzureTestEndpoint Azure { get; private set; } = null!;

    public IReadOnlyList<string> Containers => _containers;

    public override string[] BaseDirectories => [Azure.BaseDirectory(_containers[0], "spool"), Azure.BaseDirectory(_containers[1])];

    public AzureStorage Storage => (AzureStorage)Server.Context.Storage;

    /// <summary>Where the server sends its requests: the account itself, or a proxy in front of it.</summary>
    protected virtual Uri? Through => null;

    protected override IEnumerable<string> ExtraArguments =>
        [.. Azure.ServerArguments(Through), "--exchange.azure.block-size=4MB", "--exchange.spool.azure.request-timeout=20s"];

    protected override async Task PrepareStorageAsync()
    {
        Azure = await AzureTestEndpoint.SharedAsync();
        _containers = await Azure.CreateContainersAsync(2);
    }

    protected override Task CleanUpStorageAsync() => Azure.DeleteContainersAsync(_containers);

    protected override async Task<IEnumerable<string>> ListObjectsAsync()
    {
        var objects = new List<string>();
        foreach (var container in _containers)
            objects.AddRange((await Azure.ListBlobsAsync(container, "")).Select(blob => $"{container}/{blob}"));
        return objects;
    }
}

/// <summary>The same behind a <see cref="FaultInjectingProxy"/>, with few, quick retries so that a lasting fault fails fast.</summary>
public sealed class FaultyAzureSpoolServer : AzureSpoolServer
{
    public FaultInjectingProxy Proxy { get; private set; } = null!;

    protected override Uri? Through => Proxy.Endpoint;

    protected override IEnumerable<string> ExtraArguments =>
    [
        .. base.ExtraArguments,
        "--exchange.azure.max-error-retries=3",
        "--exchange.spool.azure.request-timeout=10s",
        "--exchange.spool.azure.max-retry-time=10s",
    ];

    protected override async Task PrepareStorageAsync()
    {
        await base.PrepareStorageAsync();
        Proxy = await FaultInjectingProxy.StartAsync(new Uri(Azure.BlobEndpoint.GetLeftPart(UriPartial.Authority)));
    }

    protected override async Task CleanUpStorageAsync()
    {
        await Proxy.DisposeAsync();
        await base.CleanUpStorageAsync();
    }
}

/// <summary>The Azure fixture with encryption (a standalone generated key) and LZ4, as the local one.</summary>
public sealed class EncryptedCompressedAzureSpoolServer : AzureSpoolServer
{
    protected override IEnumerable<string> ExtraArguments => [.. base.ExtraArguments, .. EncryptedCompressedLocalSpoolServer.Arguments(Root)];
}

[Collection(AzureCollection.Name)]
public sealed class AzureBackendContractTests(AzureSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<AzureSpoolServer>;

[Collection(AzureCollection.Name)]
public sealed class EncryptedCompressedAzureContractTests(EncryptedCompressedAzureSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<EncryptedCompressedAzureSpoolServer>;
