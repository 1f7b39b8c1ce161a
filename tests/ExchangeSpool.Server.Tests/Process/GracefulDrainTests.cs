using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using ExchangeSpool.Client;
using ExchangeSpool.Protocol;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// SIGTERM on the real program: readiness turns false at once, new work is refused with a retryable
/// status, the sinks under way get exchange.spool.shutdown-grace-period to finish, what is left then
/// is aborted, and the program exits 0.
/// </summary>
public sealed class GracefulDrainTests
{
    private const string MetricsOnFreePort = "--exchange.spool.metrics-address=127.0.0.1:0";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task SinkUnderWayAtSigterm_CommitsWithinTheGracePeriod_AndItsDataReadsBackFromTheNextServer()
    {
        using var draining = await DrainingServer.StartAsync("before SIGTERM");

        await draining.Sink.RequestStream.WriteAsync(Batch("after SIGTERM", finish: true));
        await draining.Sink.RequestStream.CompleteAsync();
        var result = await draining.Sink.ResponseAsync;
        var exitCode = await draining.Spool.WaitForExitAsync();
        using var next = await SpoolProcess.StartAsync($"--exchange.base-directories={draining.Spool.BaseDirectory}");
        using var nextClient = new SpoolClient(next.Address);
        var pages = await RoundTrip.ReadAllAsync(nextClient, draining.Exchange);

        Assert.Equal(2, result.PageCount);
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{draining.Spool.Output}");
        Assert.Equal(["before SIGTERM", "after SIGTERM"], pages.Select(page => Encoding.UTF8.GetString(page)));
    }

    [Fact]
    public async Task NewSinkAfterSigterm_IsRefusedWithUnavailableShuttingDown()
    {
        using var draining = await DrainingServer.StartAsync("keeps the server draining");

        using var late = draining.Client.CallInvoker.AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, default);
        await late.RequestStream.WriteAsync(Open(draining.Exchange, sinkId: 1, "too late", finish: true));
        await late.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => late.ResponseAsync);

        Assert.True(error.StatusCode == StatusCode.Unavailable, error.ToString());
        Assert.Equal(ErrorReasons.ShuttingDown, SpoolErrors.Reason(error));
    }

    [Fact]
    public async Task NewExchangeAfterSigterm_IsRefusedWithUnavailableShuttingDown()
    {
        using var draining = await DrainingServer.StartAsync("keeps the server draining");

        var error = await Assert.ThrowsAsync<RpcException>(() => draining.Client.CreateExchangeAsync("drain", "late", 1, false));

        Assert.True(error.StatusCode == StatusCode.Unavailable, error.ToString());
        Assert.Equal(ErrorReasons.ShuttingDown, SpoolErrors.Reason(error));
    }

    [Fact]
    public async Task NewSourceAfterSigterm_IsRefusedWithUnavailableShuttingDown()
    {
        using var draining = await DrainingServer.StartAsync("keeps the server draining");

        using var late = draining.Client.CallInvoker.AsyncServerStreamingCall(ExchangeSpoolMethods.ReadSource, null, default, new ReadSourceRequest());
        var error = await Assert.ThrowsAsync<RpcException>(() => late.ResponseStream.MoveNext(CancellationToken.None));

        Assert.True(error.StatusCode == StatusCode.Unavailable, error.ToString());
        Assert.Equal(ErrorReasons.ShuttingDown, SpoolErrors.Reason(error));
    }

    [Fact]
    public async Task AfterSigterm_ReadinessAndGrpcHealthFailAtOnce_WhileLivenessAnswers200UntilExit()
    {
        using var draining = await DrainingServer.StartAsync("keeps the server draining");
        using var channel = GrpcChannel.ForAddress(draining.Spool.Address);

        var liveness = await GetAsync(draining.Spool, "/healthz");
        var grpcHealth = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        await draining.Sink.RequestStream.WriteAsync(Batch("last", finish: true));
        await draining.Sink.RequestStream.CompleteAsync();
        await draining.Sink.ResponseAsync;
        var livenessUntilExit = await LivenessUntilRefusedAsync(draining.Spool);
        var exitCode = await draining.Spool.WaitForExitAsync();

        Assert.Contains("draining", await draining.Readiness.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, grpcHealth.Status);
        Assert.All(livenessUntilExit, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{draining.Spool.Output}");
    }

    [Fact]
    public async Task SinkThatNeverFinishes_IsAbortedWhenTheGracePeriodEnds_AndItsFilesAreDeleted()
    {
        using var spool = await SpoolProcess.StartAsync(MetricsOnFreePort, "--exchange.spool.shutdown-grace-period=2s");
        using var client = new SpoolClient(spool.Address);
        var exchange = await client.CreateExchangeAsync("drain", "abandoned", 1, false);
        // More than one 1MB block, so that a sealed block is in a file when the grace period ends.
        using var sink = await OpenSinkAsync(client, exchange.Descriptor, new string('x', 400_000));
        for (var page = 0; page < 3; page++)
            await sink.RequestStream.WriteAsync(Batch(new string('y', 400_000), finish: false));
        await WaitUntilAsync(() => DataFiles(spool).Count > 0, "the sink wrote no .data file");

        await spool.TerminateAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => sink.ResponseAsync);
        var exitCode = await spool.WaitForExitAsync();

        Assert.True(error.StatusCode == StatusCode.Unavailable, error.ToString());
        Assert.Equal(ErrorReasons.ShuttingDown, SpoolErrors.Reason(error));
        Assert.Empty(DataFiles(spool));
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{spool.Output}");
        Assert.Contains("ended with 1 sink and source streams still running", spool.Output);
    }

    /// <summary>
    /// A server sent SIGTERM while sink 0 of its exchange is open with one page (which keeps it
    /// draining until the test ends the sink), once its /readyz answered 503.
    /// </summary>
    private sealed class DrainingServer(SpoolProcess spool, SpoolClient client, ExchangeDescriptor exchange,
        AsyncClientStreamingCall<PageBatch, SinkResult> sink, HttpResponseMessage readiness) : IDisposable
    {
        public SpoolProcess Spool { get; } = spool;

        public SpoolClient Client { get; } = client;

        public ExchangeDescriptor Exchange { get; } = exchange;

        public AsyncClientStreamingCall<PageBatch, SinkResult> Sink { get; } = sink;

        /// <summary>The first 503 of /readyz after SIGTERM.</summary>
        public HttpResponseMessage Readiness { get; } = readiness;

        public static async Task<DrainingServer> StartAsync(string firstPage)
        {
            var spool = await SpoolProcess.StartAsync(MetricsOnFreePort);
            var client = new SpoolClient(spool.Address);
            try
            {
                var exchange = await client.CreateExchangeAsync("drain", "e", 2, false);
                var sink = await OpenSinkAsync(client, exchange.Descriptor, firstPage);
                await spool.TerminateAsync();
                var readiness = await WaitForStatusAsync(spool, "/readyz", HttpStatusCode.ServiceUnavailable);
                return new DrainingServer(spool, client, exchange.Descriptor, sink, readiness);
            }
            catch
            {
                client.Dispose();
                spool.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Sink.Dispose();
            Client.Dispose();
            Spool.Dispose();
        }
    }

    /// <summary>Opens a WriteSink stream of sink 0 with one page and returns once the server counts it as active.</summary>
    private static async Task<AsyncClientStreamingCall<PageBatch, SinkResult>> OpenSinkAsync(SpoolClient client, ExchangeDescriptor exchange, string page)
    {
        var call = client.CallInvoker.AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, default);
        await call.RequestStream.WriteAsync(Open(exchange, sinkId: 0, page, finish: false));
        await WaitUntilAsync(async () => (await client.GetServerInfoAsync()).ActiveSinks > 0, "the sink never became active");
        return call;
    }

    private static PageBatch Open(ExchangeDescriptor exchange, int sinkId, string page, bool finish) =>
        new() { Open = new SinkOpen { Exchange = exchange, SinkId = sinkId, AttemptId = 0 }, PageCount = 1, Pages = Frame(page), Finish = finish };

    private static PageBatch Batch(string page, bool finish) => new() { PageCount = 1, Pages = Frame(page), Finish = finish };

    /// <summary>One page for partition 0: [int32 partition][int32 length][payload].</summary>
    private static ReadOnlySequence<byte> Frame(string page)
    {
        var payload = Encoding.UTF8.GetBytes(page);
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), payload.Length);
        payload.CopyTo(frame, 8);
        return new ReadOnlySequence<byte>(frame);
    }

    private static List<string> DataFiles(SpoolProcess spool) =>
        Directory.EnumerateFiles(spool.BaseDirectory, "*.data", SearchOption.AllDirectories).ToList();

    private static Task<HttpResponseMessage> GetAsync(SpoolProcess spool, string path) =>
        Http.GetAsync(new Uri(spool.MetricsAddress ?? throw new InvalidOperationException("no metrics address"), path));

    private static async Task<HttpResponseMessage> WaitForStatusAsync(SpoolProcess spool, string path, HttpStatusCode expected)
    {
        HttpResponseMessage? response = null;
        await WaitUntilAsync(async () => (response = await GetAsync(spool, path)).StatusCode == expected,
            $"{path} never answered {expected}");
        return response!;
    }

    /// <summary>/healthz's status at every poll until the port stops accepting connections (the process is stopping).</summary>
    private static async Task<List<HttpStatusCode>> LivenessUntilRefusedAsync(SpoolProcess spool)
    {
        var statuses = new List<HttpStatusCode>();
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        while (true)
        {
            try
            {
                statuses.Add((await GetAsync(spool, "/healthz")).StatusCode);
            }
            catch (HttpRequestException)
            {
                return statuses;
            }
            await Task.Delay(20, timeout.Token);
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string failure) => WaitUntilAsync(() => Task.FromResult(condition()), failure);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
                Assert.Fail($"{failure} within {SpoolProcess.Timeout}");
            await Task.Delay(20);
        }
    }
}
