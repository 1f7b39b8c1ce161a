using ExchangeSpool.ContractTests.S3;
using ExchangeSpool.ContractTests.Storage;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Azure;
using Microsoft.AspNetCore.Http;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>The storage fault table on Azure Blob Storage: Azurite behind a <see cref="FaultInjectingProxy"/>.</summary>
[Collection(AzureCollection.Name)]
public sealed class AzureStorageFaultTests : StorageFaultTests
{
    private const long MiB = 1024 * 1024;

    private AzureTestEndpoint _azure = null!;
    private string _container = null!;
    private FaultInjectingProxy _proxy = null!;

    public override async Task InitializeAsync()
    {
        _azure = await AzureTestEndpoint.SharedAsync();
        _container = (await _azure.CreateContainersAsync(1))[0];
        _proxy = await FaultInjectingProxy.StartAsync(new Uri(_azure.BlobEndpoint.GetLeftPart(UriPartial.Authority)));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _proxy.DisposeAsync();
        await _azure.DeleteContainersAsync([_container]);
    }

    protected override IExchangeStorage Storage(StorageFault? fault)
    {
        var endpoint = fault == StorageFault.ConnectionRefused ? RefusingEndpoint() : _proxy.Endpoint;
        return Tracked(new AzureStorage([_azure.BaseDirectory(_container, "base")], _azure.Options(endpoint) with
        {
            BlockSize = 4 * MiB,
            MaxErrorRetries = 1,
            // Short only where the timeout is the fault: a 4MB block through the proxy on a busy machine takes a while.
            RequestTimeout = TimeSpan.FromSeconds(fault == StorageFault.Timeout ? 1 : 20),
            MaxRetryTime = TimeSpan.FromSeconds(fault == StorageFault.Timeout ? 3 : 60),
        }, new MemoryBudget(256 * MiB)));
    }

    protected override void Inject(StorageFault fault, StorageOperation operation)
    {
        Func<HttpRequest, bool> requests = (fault, operation) switch
        {
            // The empty-blob answer to a read from byte 0 is an open's business (length 0); past it, the blob shrank.
            (StorageFault.RangeNotSatisfiable, _) => request => RangedGetBlob(request) && !request.Headers["x-ms-range"].ToString().StartsWith("bytes=0-", StringComparison.Ordinal),
            (_, StorageOperation.Write) => PutBlock,
            _ => RangedGetBlob,
        };
        if (fault != StorageFault.ConnectionRefused)
            _proxy.Inject(new Fault(Fault.KindOf(fault), requests));
    }

    protected override string ExpectedError(StorageFault fault, StorageOperation operation)
    {
        var request = operation == StorageOperation.Write ? "Azure PutBlock 1" : "Azure GetBlob";
        var failed = $"{request} of blob 'base/{File.RelativePath}' in container '{_container}' (account {_azure.Account}) failed";
        return fault switch
        {
            StorageFault.ConnectionRefused => $"{failed} after 2 attempts: SocketException: Connection refused",
            StorageFault.ServerError => $"{failed} after 2 attempts: InternalError (HTTP 500)",
            StorageFault.Forbidden => $"{failed}: AccessDenied (HTTP 403)",
            StorageFault.NotFound when operation == StorageOperation.Write => $"{failed}: NoSuchKey (HTTP 404)",
            StorageFault.NotFound => $"is missing from {_azure.BaseDirectory(_container, "base")}",
            StorageFault.RangeNotSatisfiable => "was deleted or replaced while it was read (InvalidRange (HTTP 416)",
            _ => $"{failed} after 2 attempts",
        };
    }

    private static bool PutBlock(HttpRequest request) => request.Method == "PUT" && request.Query["comp"] == "block";

    private static bool RangedGetBlob(HttpRequest request) =>
        request.Method == "GET" && !request.Query.ContainsKey("comp") && request.Headers.ContainsKey("x-ms-range");
}
