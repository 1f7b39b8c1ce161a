using System.Net;
using System.Net.Http.Headers;

namespace ExchangeSpool.Grpc.Tests.Infrastructure;

/// <summary>Sends hand-made HTTP/2 requests, for protocol cases the real client never produces.</summary>
internal static class RawGrpcClient
{
    public static async Task<RawResponse> PostAsync(
        Uri address, string path, byte[] body, string contentType = "application/grpc", string? timeout = null)
    {
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var content = await response.Content.ReadAsByteArrayAsync(cts.Token);
        string? Find(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues(name, out var header) ? header.Single()
            : null;
        return new RawResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, content, Find("grpc-status"), Find("grpc-message"));
    }

    internal sealed record RawResponse(HttpStatusCode HttpStatus, string? ContentType, byte[] Body, string? GrpcStatus, string? GrpcMessage);
}
