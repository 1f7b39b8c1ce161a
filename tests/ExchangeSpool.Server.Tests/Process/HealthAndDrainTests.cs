using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using ExchangeSpool.Protocol;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Service;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExchangeSpool.Server.Tests.Process;

public sealed class HealthAndDrainTests
{
    private const string MetricsOnFreePort = "--exchange.spool.metrics-address=127.0.0.1:0";

    [Fact]
    public async Task HealthService_WhileStorageAnswers_IsServing()
    {
        await using var server = await InProcessSpoolServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);

        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task DrainCheck_OnceTheServerIsStopping_IsUnhealthy()
    {
        var drain = new ServerDrain(new StoppingLifetime(), new ServerOptions(), NullLogger<ServerDrain>.Instance);

        var result = await new DrainHealthCheck(drain).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("draining", result.Description);
    }

    [Fact]
    public async Task LivenessAndReadiness_OnTheMetricsPort_Answer200WhileStorageIsWritable()
    {
        await using var server = await InProcessSpoolServer.StartAsync(MetricsOnFreePort);
        using var http = new HttpClient();

        var liveness = await http.GetAsync(new Uri(server.MetricsAddress!, "/healthz"));
        var readiness = await http.GetAsync(new Uri(server.MetricsAddress!, "/readyz"));

        Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readiness.StatusCode);
        Assert.Equal("ok\n", await readiness.Content.ReadAsStringAsync());
        Assert.All(server.BaseDirectories, directory => Assert.Empty(Directory.EnumerateFileSystemEntries(directory)));
    }

    [Fact]
    public async Task Readiness_WhenABaseDirectoryIsNotWritable_Answers503NamingIt()
    {
        await using var server = await InProcessSpoolServer.StartAsync(MetricsOnFreePort);
        using var http = new HttpClient();
        var broken = server.BaseDirectories[1];
        // A file where the directory was: no write under it succeeds, whoever the tests run as.
        Directory.Delete(broken, recursive: true);
        await File.WriteAllTextAsync(broken, "not a directory");

        var readiness = await http.GetAsync(new Uri(server.MetricsAddress!, "/readyz"));
        var liveness = await http.GetAsync(new Uri(server.MetricsAddress!, "/healthz"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        var line = await readiness.Content.ReadAsStringAsync();
        Assert.StartsWith("not ready: storage: ", line);
        Assert.Contains(broken, line);
        Assert.Single(line.TrimEnd('\n').Split('\n'));
        Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);
    }

    [Fact]
    public async Task HealthEndpoints_AreNotServedOnTheGrpcPort()
    {
        await using var server = await InProcessSpoolServer.StartAsync(MetricsOnFreePort);
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var readiness = await http.GetAsync(new Uri(server.Address, "/readyz"));

        Assert.Equal(HttpStatusCode.NotFound, readiness.StatusCode);
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
