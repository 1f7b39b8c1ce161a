using System.Net;
using ExchangeSpool.Client;
using ExchangeSpool.Server;
using ExchangeSpool.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Bench;

/// <summary>
/// The most the transport can carry, without any gRPC library: the same bytes in writes of the same
/// message size on as many concurrent HTTP/2 streams as the spool run uses, from SocketsHttpHandler to a
/// Kestrel endpoint with the spool server's HTTP/2 settings that discards them, and from one that
/// generates them. What the gRPC stack and the spool do beyond that shows as a ratio below 1.
/// </summary>
public sealed class TransportLimit : IThroughputSubject, IAsyncDisposable
{
    private readonly WebApplication _endpoint;
    private readonly HttpClient _client;
    private readonly byte[] _message;
    private readonly int _streams;
    private readonly long _bytes;

    private TransportLimit(WebApplication endpoint, HttpClient client, byte[] message, int streams, long bytes)
    {
        _endpoint = endpoint;
        _client = client;
        _message = message;
        _streams = streams;
        _bytes = bytes;
    }

    /// <summary>Starts the endpoint and the client, then runs a smaller round of the same shape, as the spool gets: connection setup, JIT tiering and the thread pool's growth are not charged to the measurement.</summary>
    public static async Task<TransportLimit> StartAsync(int streams, long bytes, int messageSize)
    {
        var message = PageData.Random(messageSize);
        var endpoint = await StartEndpointAsync(message);
        var address = new Uri(endpoint.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var client = new HttpClient(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            // The .NET client's window, so both receive under the same flow control.
            InitialHttp2StreamWindowSize = new SpoolClientOptions().StreamWindowSize,
        })
        {
            BaseAddress = address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var limit = new TransportLimit(endpoint, client, message, streams, bytes);
        try
        {
            var warmUp = Throughput.WarmUpBytes(bytes, (long)streams * messageSize);
            await limit.UploadAllAsync(warmUp);
            await limit.DownloadAllAsync(warmUp);
            return limit;
        }
        catch
        {
            await limit.DisposeAsync();
            throw;
        }
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        var write = await Throughput.MeasureAsync(_bytes, () => UploadAllAsync(_bytes));
        var read = await Throughput.MeasureAsync(_bytes, () => DownloadAllAsync(_bytes));
        return new Directions(write, read);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _endpoint.DisposeAsync();
    }

    private Task UploadAllAsync(long bytes) => Task.WhenAll(Enumerable.Range(0, _streams)
        .Select(i => Task.Run(() => UploadAsync(_client, _message, PageData.Share(bytes, _streams, i)))));

    private Task DownloadAllAsync(long bytes) => Task.WhenAll(Enumerable.Range(0, _streams)
        .Select(i => Task.Run(() => DownloadAsync(_client, PageData.Share(bytes, _streams, i)))));

    private static async Task<WebApplication> StartEndpointAsync(byte[] message)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            SpoolServer.ApplyHttp2Limits(kestrel.Limits.Http2, new ServerOptions());
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.MapPost("/discard", DiscardAsync);
        app.MapGet("/generate/{length:long}", (long length, HttpContext context) => GenerateAsync(message, length, context.Response));
        await app.StartAsync();
        return app;
    }

    private static async Task<long> DiscardAsync(HttpRequest request)
    {
        long received = 0;
        while (true)
        {
            var result = await request.BodyReader.ReadAsync();
            received += result.Buffer.Length;
            request.BodyReader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                return received;
        }
    }

    private static async Task GenerateAsync(byte[] message, long length, HttpResponse response)
    {
        for (long sent = 0; sent < length; sent += message.Length)
            await response.BodyWriter.WriteAsync(message.AsMemory(0, (int)Math.Min(message.Length, length - sent)));
    }

    private static async Task UploadAsync(HttpClient client, byte[] message, long length)
    {
        using var response = await client.PostAsync("/discard", new MessageStreamContent(message, length));
        var received = long.Parse(await response.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);
        if (received != length)
            throw new InvalidOperationException($"the discard endpoint received {received} bytes of {length}");
    }

    private static async Task DownloadAsync(HttpClient client, long length)
    {
        using var response = await client.GetAsync($"/generate/{length}", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[128 * 1024];
        long received = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
            received += read;
        if (received != length)
            throw new InvalidOperationException($"the generate endpoint sent {received} bytes of {length}");
    }

    /// <summary>A request body of <c>length</c> bytes written as whole messages, each flushed, as a sink sends its batches.</summary>
    private sealed class MessageStreamContent(byte[] message, long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (long sent = 0; sent < length; sent += message.Length)
            {
                await stream.WriteAsync(message.AsMemory(0, (int)Math.Min(message.Length, length - sent)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
