using ExchangeSpool.ContractTests.Storage;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>The storage fault table on S3: the RADOS Gateway behind a <see cref="FaultInjectingProxy"/>.</summary>
[Collection(S3Collection.Name)]
public sealed class S3StorageFaultTests : StorageFaultTests
{
    private const long MiB = 1024 * 1024;

    private S3TestEndpoint _s3 = null!;
    private string _bucket = null!;
    private FaultInjectingProxy _proxy = null!;

    public override async Task InitializeAsync()
    {
        _s3 = await S3TestEndpoint.SharedAsync();
        _bucket = (await _s3.CreateBucketsAsync(1))[0];
        _proxy = await FaultInjectingProxy.StartAsync(_s3.Endpoint);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _proxy.DisposeAsync();
        await _s3.DeleteBucketsAsync([_bucket]);
    }

    protected override IExchangeStorage Storage(StorageFault? fault)
    {
        var endpoint = fault == StorageFault.ConnectionRefused ? RefusingEndpoint() : _proxy.Endpoint;
        return Tracked(new S3Storage([$"s3://{_bucket}/base"], _s3.Options(endpoint) with
        {
            PartSize = 5 * MiB,
            MaxErrorRetries = 1,
            // Short only where the timeout is the fault: a 5MB part through the proxy on a busy machine takes a while.
            RequestTimeout = TimeSpan.FromSeconds(fault == StorageFault.Timeout ? 1 : 20),
            MaxRetryTime = TimeSpan.FromSeconds(fault == StorageFault.Timeout ? 3 : 60),
        }, new MemoryBudget(256 * MiB)));
    }

    protected override void Inject(StorageFault fault, StorageOperation operation)
    {
        Func<Microsoft.AspNetCore.Http.HttpRequest, bool> requests = (fault, operation) switch
        {
            // The empty-object answer to a read from byte 0 is an open's business (length 0); past it, the object shrank.
            (StorageFault.RangeNotSatisfiable, _) => request => Fault.RangedGet(request) && !request.Headers.Range.ToString().StartsWith("bytes=0-", StringComparison.Ordinal),
            (_, StorageOperation.Write) => Fault.PartUpload,
            _ => Fault.RangedGet,
        };
        if (fault != StorageFault.ConnectionRefused)
            _proxy.Inject(new Fault(Fault.KindOf(fault), requests));
    }

    protected override string ExpectedError(StorageFault fault, StorageOperation operation)
    {
        var request = (fault, operation) switch
        {
            (StorageFault.ConnectionRefused, StorageOperation.Write) => "S3 CreateMultipartUpload",
            (_, StorageOperation.Write) => "S3 UploadPart 1",
            _ => "S3 GetObject",
        };
        return fault switch
        {
            StorageFault.ConnectionRefused => $"{request} s3://{_bucket}/base/{File.RelativePath} failed after 2 attempts: HttpRequestException: Connection refused",
            StorageFault.ServerError => $"{request} s3://{_bucket}/base/{File.RelativePath} failed after 2 attempts: InternalError (HTTP 500)",
            StorageFault.Forbidden => $"{request} s3://{_bucket}/base/{File.RelativePath} failed: AccessDenied (HTTP 403)",
            StorageFault.NotFound when operation == StorageOperation.Write => $"{request} s3://{_bucket}/base/{File.RelativePath} failed: NoSuchUpload (HTTP 404)",
            StorageFault.NotFound => $"is missing from s3://{_bucket}/base",
            StorageFault.RangeNotSatisfiable => $"s3://{_bucket}/base/{File.RelativePath} ends before byte {5 * MiB}, but was {FileSize} bytes when opened",
            _ => $"{request} s3://{_bucket}/base/{File.RelativePath} failed after 2 attempts: timed out",
        };
    }
}
