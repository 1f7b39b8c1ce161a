using System.Buffers;
using System.Buffers.Binary;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Storage.Local;
using ExchangeSpool.Protocol;
using ExchangeSpool.Server.Service;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ExchangeSpool.Server.Tests.Process;

public sealed class HealthAndDrainTests
{
    [Fact]
    public async Task HealthService_WhileStorageAnswers_IsServing()
    {
        await using var server = await InProcessSpoolServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);

        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task HealthCheck_OnceTheServerIsStopping_IsUnhealthy()
    {
        var root = Directory.CreateTempSubdirectory("exchange-spool-health-").FullName;
        try
        {
            var options = new SpoolOptions { BaseDirectories = [root] };
            var context = new SpoolContext(options, new LocalExchangeStorage(options.BaseDirectories), keys: null);
            var lifetime = new StoppingLifetime();

            var result = await new StorageHealthCheck(context, lifetime).CheckHealthAsync(new HealthCheckContext());

            Assert.Equal(HealthStatus.Unhealthy, result.Status);
            Assert.Contains("shutting down", result.Description);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task SinkStreamingWhileTheServerStops_EndsWithUnavailableShuttingDown()
    {
        var server = await InProcessSpoolServer.StartAsync();
        using var client = new ExchangeSpool.Client.SpoolClient(server.Address);
        RpcException error;
        try
        {
            var exchange = await client.CreateExchangeAsync("q1", "e1", 1, false);
            using var call = client.CallInvoker.AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, default);
            await call.RequestStream.WriteAsync(new PageBatch
            {
                Open = new SinkOpen { Exchange = exchange.Descriptor, SinkId = 0, AttemptId = 0 },
                PageCount = 1,
                Pages = new ReadOnlySequence<byte>(Frame(new byte[100])),
            });
            while ((await client.GetServerInfoAsync()).ActiveSinks == 0)
                await Task.Delay(10);

            var stopping = server.DisposeAsync();
            error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            await stopping;
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.True(error.StatusCode == StatusCode.Unavailable, error.ToString());
        Assert.Equal(ErrorReasons.ShuttingDown, SpoolErrors.Reason(error));
    }

    private static byte[] Frame(byte[] page)
    {
        var frame = new byte[8 + page.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), page.Length);
        page.CopyTo(frame, 8);
        return frame;
    }

    private sealed class StoppingLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping { get; } = new(canceled: true);
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }
}
