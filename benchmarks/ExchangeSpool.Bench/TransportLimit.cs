using ExchangeSpool.Client;
using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using ExchangeSpool.Grpc;
using ExchangeSpool.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Bench;

/// <summary>
/// The most the transport can carry: the same bytes in the same messages (PageBatch, the sink's batch
/// size) on as many concurrent streams as the spool run uses, through the project's own gRPC layer and
/// Kestrel settings, to an endpoint that discards them and from one that generates them. Whatever the
/// spool does beyond that (copying into blocks, checksums, encryption, files) shows as a ratio below 1.
/// </summary>
public static class TransportLimit
{
    private const string Service = "exchangespool.bench.Transport";
    private const int MaxMessageSize = 32 * 1024 * 1024;

    private static readonly Marshaller<long> LengthMarshaller = new(
        message => BinaryPrimitives.ReadInt64LittleEndian(message.ToArray()),
        _ => sizeof(long),
        (length, writer) => { BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(sizeof(long)), length); writer.Advance(sizeof(long)); });

    private static readonly Method<PageBatch, SinkResult> Discard = new(MethodType.ClientStreaming, Service, nameof(Discard),
        PageBatch.Marshaller, ProtobufMarshaller.Create(SinkResult.Parser));

    private static readonly Method<long, PageBatch> Generate = new(MethodType.ServerStreaming, Service, nameof(Generate),
        LengthMarshaller, PageBatch.Marshaller);

    public static async Task<Directions> MeasureAsync(int streams, long bytes, int messageSize)
    {
        var message = PageData.Random(messageSize);
        await using var app = await StartEndpointAsync(message);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageSize,
            MaxSendMessageSize = MaxMessageSize,
            // The .NET client's window, so both receive under the same flow control.
            InitialHttp2StreamWindowSize = new SpoolClientOptions().StreamWindowSize,
        });
        // A smaller round of the same shape first, as the spool sections get: connection setup, JIT tiering
        // and the thread pool's growth are not charged to the measurement.
        var warmUp = Throughput.WarmUpBytes(bytes, streams * messageSize);
        await UploadAllAsync(channel, message, streams, warmUp);
        await DownloadAllAsync(channel, streams, warmUp);
        var write = await Throughput.MeasureAsync(bytes, () => UploadAllAsync(channel, message, streams, bytes));
        var read = await Throughput.MeasureAsync(bytes, () => DownloadAllAsync(channel, streams, bytes));
        return new Directions(write, read);
    }

    private static Task UploadAllAsync(GrpcChannel channel, byte[] message, int streams, long bytes) => Task.WhenAll(Enumerable.Range(0, streams)
        .Select(i => Task.Run(() => UploadAsync(channel, message, PageData.Share(bytes, streams, i)))));

    private static Task DownloadAllAsync(GrpcChannel channel, int streams, long bytes) => Task.WhenAll(Enumerable.Range(0, streams)
        .Select(i => Task.Run(() => DownloadAsync(channel, PageData.Share(bytes, streams, i)))));

    private static async Task<WebApplication> StartEndpointAsync(byte[] message)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The spool server's own listen call and HTTP/2 windows, so both measure the same transport.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0), new GrpcKestrelOptions()));
        builder.Services.AddGrpcWire(options =>
        {
            options.MaxReceiveMessageSize = MaxMessageSize;
            options.MaxSendMessageSize = MaxMessageSize;
        });
        var app = builder.Build();
        app.MapGrpcService(binder => binder
            .AddClientStreamingMethod(Discard, DiscardAsync)
            .AddServerStreamingMethod(Generate, (length, responses, _) => GenerateAsync(message, length, responses)));
        await app.StartAsync();
        return app;
    }

    private static async Task<SinkResult> DiscardAsync(IMessageReader<PageBatch> requests, ServerCallContext context)
    {
        long received = 0;
        while (await requests.MoveNextAsync(context.CancellationToken))
            received += requests.Current.Pages.Length;
        return new SinkResult { DataSize = received };
    }

    private static async Task GenerateAsync(byte[] message, long length, IMessageWriter<PageBatch> responses)
    {
        for (long sent = 0; sent < length; sent += message.Length)
        {
            var size = (int)Math.Min(message.Length, length - sent);
            await responses.WriteAsync(new PageBatch { PageCount = 1, Pages = new ReadOnlySequence<byte>(message, 0, size) });
        }
    }

    private static async Task UploadAsync(GrpcChannel channel, byte[] message, long length)
    {
        using var call = channel.ClientStreaming(Discard);
        for (long sent = 0; sent < length; sent += message.Length)
        {
            var size = (int)Math.Min(message.Length, length - sent);
            await call.RequestStream.WriteAsync(new PageBatch { PageCount = 1, Pages = new ReadOnlySequence<byte>(message, 0, size) });
        }
        await call.RequestStream.CompleteAsync();
        var result = await call.ResponseAsync;
        if (result.DataSize != length)
            throw new InvalidOperationException($"the discard endpoint received {result.DataSize} bytes of {length}");
    }

    private static async Task DownloadAsync(GrpcChannel channel, long length)
    {
        using var call = channel.ServerStreaming(Generate, length);
        long received = 0;
        while (await call.ResponseStream.MoveNextAsync())
            received += call.ResponseStream.Current.Pages.Length;
        if (received != length)
            throw new InvalidOperationException($"the generate endpoint sent {received} bytes of {length}");
    }
}
