using Amazon.Runtime;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// HTTP clients that trust the endpoint's certificate when it chains to a CA from a PEM file, as for
/// MinIO behind a private CA (the Stackable example), without touching the machine's trust store.
/// </summary>
internal sealed class PrivateCaHttpClientFactory(string pemFile) : HttpClientFactory
{
    private readonly PrivateCertificateAuthority _authority = new(pemFile, S3Options.CaCertificateFileKey);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = _authority.Validate;
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
