using System.Diagnostics.Metrics;
using System.Net;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Metrics;
using ExchangeSpool.Server.Security;
using ExchangeSpool.Server.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server;

/// <summary>Builds and runs the exchange-spool host from a validated configuration; used by Program and by tests.</summary>
public sealed class SpoolServer : IAsyncDisposable
{
    /// <summary>How long stopping waits for exchange deletions under way.</summary>
    private static readonly TimeSpan DeletionGracePeriod = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private int _disposed;

    private const string BaseDirectoriesKey = "exchange.base-directories";
    private const string AddressKey = "exchange.spool.address";
    private const string MetricsAddressKey = "exchange.spool.metrics-address";
    private const string StartupCheckTimeoutKey = "exchange.spool.startup-check-timeout";

    private readonly ServerOptions _server;
    private readonly Func<ListenOptions> _grpcListener;
    private readonly Func<ListenOptions?> _metricsListener;

    private SpoolServer(WebApplication app, SpoolContext context, SpoolMetrics metrics, string encryptionSummary,
        ServerOptions server, Func<ListenOptions> grpcListener, Func<ListenOptions?> metricsListener)
    {
        Tls = server.TlsEnabled;
        _app = app;
        Context = context;
        Metrics = metrics;
        EncryptionSummary = encryptionSummary;
        _server = server;
        _grpcListener = grpcListener;
        _metricsListener = metricsListener;
    }

    public SpoolContext Context { get; }

    public SpoolMetrics Metrics { get; }

    /// <summary>For the startup line: whether encryption is on, with which key id, and where a generated key was written.</summary>
    public string EncryptionSummary { get; }

    /// <summary>The address clients connect to, e.g. <c>http://127.0.0.1:9477</c>, known once started (the port bound when 0 was asked).</summary>
    public Uri Address => ToUri(_grpcListener().IPEndPoint!, Tls);

    /// <summary>Where <c>/metrics</c> is served, when <c>exchange.spool.metrics-address</c> is set.</summary>
    public Uri? MetricsAddress => _metricsListener()?.IPEndPoint is { } endPoint ? ToUri(endPoint, tls: false) : null;

    /// <summary>Whether gRPC is served over TLS (<c>exchange.spool.tls.certificate-file</c>) rather than h2c.</summary>
    public bool Tls { get; }

    /// <exception cref="ConfigurationException">A standalone key could not be read or written.</exception>
    public static SpoolServer Create(ServerConfiguration configuration, Action<ILoggingBuilder>? logging = null)
    {
        var keys = LoadKeys(configuration.Encryption, out var encryptionSummary);
        var builder = WebApplication.CreateSlimBuilder();
        if (configuration.Server.TlsEnabled)
            builder.WebHost.UseKestrelHttpsConfiguration();
        var metrics = new SpoolMetrics();
        var connectionErrors = new Http2ConnectionErrorCounter(metrics);
        ConfigureConsoleLogging(builder.Logging, configuration.Server);
        builder.Logging.AddProvider(connectionErrors);
        builder.Logging.AddFilter<Http2ConnectionErrorCounter>(Http2ConnectionErrorCounter.KestrelHttp2Category, LogLevel.Debug);
        logging?.Invoke(builder.Logging);
        ListenOptions? grpcListener = null;
        ListenOptions? metricsListener = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ApplyHttp2Limits(kestrel.Limits.Http2, configuration.Server);
            kestrel.Listen(ToEndPoint(configuration.Server.Address), listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (configuration.Server.TlsEnabled)
                    listen.UseServerCertificate(kestrel.ApplicationServices);
                grpcListener = listen;
            });
            if (configuration.Server.MetricsAddress is { } metricsAddress)
                kestrel.Listen(ToEndPoint(metricsAddress), listen => metricsListener = listen);
        });

        // The storage is created once the host's logging is built, and charges its buffers to the server's one budget.
        var budget = SpoolContext.CreateBudget(configuration.Spool);
        builder.Services.AddSingleton(services => new SpoolContext(configuration.Spool,
            configuration.Storage.Create(configuration.Spool.BaseDirectories, configuration.Options,
                new StorageContext(budget, TimeProvider.System, services.GetRequiredService<ILoggerFactory>())),
            keys, budget: budget));
        builder.Services.AddTransportSecurity(configuration.Server);
        builder.Services.AddGrpc(options =>
        {
            // First, so that no other interceptor or handler runs for a call without the token.
            if (configuration.Server.AuthTokenFile is not null)
                options.Interceptors.Add<BearerTokenInterceptor>();
            options.MaxReceiveMessageSize = configuration.Server.MaxMessageSize;
            options.MaxSendMessageSize = configuration.Server.MaxMessageSize;
            options.Interceptors.Add<SpoolErrorInterceptor>();
        });
        HealthEndpoints.Add(builder.Services.AddGrpcHealthChecks(options => options.UseHealthChecksCache = false));
        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<ServerDrain>(services, configuration.Server));
        builder.Services.AddHostedService(services => services.GetRequiredService<ServerDrain>());
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = configuration.Server.ShutdownGracePeriod + ServerDrain.AbortAllowance);
        builder.Services.AddSingleton<IServiceMethodProvider<ExchangeSpoolService>, ExchangeSpoolMethodProvider>();
        builder.Services.AddSingleton(metrics);
        var exportedMeters = new HashSet<Meter> { metrics.Meter };
        builder.Services.AddSpoolMetricsExport(() => exportedMeters);
        builder.Services.AddSingleton<SinkRegistry>();
        builder.Services.AddSingleton<ExchangeLifecycle>();
        builder.Services.AddSingleton<HandlePlanner>();
        builder.Services.AddSingleton<SourceReader>();
        builder.Services.AddSingleton<ExchangeDeletions>();
        builder.Services.AddHostedService<OrphanSweepService>();
        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<ExchangeSpoolService>(services, configuration.Server));

        var app = builder.Build();
        SpoolContext context;
        try
        {
            context = app.Services.GetRequiredService<SpoolContext>();
        }
        catch (Exception e)
        {
            // The storage could not be created (a base directory that cannot be made, ...): nothing was started.
            ((IDisposable)app).Dispose();
            if (e is ConfigurationException)
                throw;
            throw new StartupCheckException(BaseDirectoriesKey, $"cannot create the storage: {e.Message}", e);
        }
        var connectionLog = app.Services.GetRequiredService<ILogger<Http2ConnectionErrorCounter>>();
        connectionErrors.Report = (connection, problem) => ServerLog.Http2ConnectionError(connectionLog, connection, problem);
        app.MapGrpcService<ExchangeSpoolService>();
        app.MapGrpcHealthChecksService();
        if (configuration.Server.MetricsAddress is not null)
            app.UseWhen(http => http.Connection.LocalPort == metricsListener!.IPEndPoint!.Port, HealthEndpoints.Use);
        KeyFileModes.WarnIfReadableByOthers(app.Logger, configuration.Encryption);
        UnusedKeyWarnings.WarnIfKeysUnused(app.Logger, configuration.Encryption);
        var service = app.Services.GetRequiredService<ExchangeSpoolService>();
        metrics.ObserveServer(() => context.Budget.Used - context.Pool.ParkedBytes, context.Budget.Limit, () => context.Budget.WaiterCount,
            () => app.Services.GetRequiredService<SinkRegistry>().ActiveCount, () => service.ActiveSources);
        exportedMeters.UnionWith(context.Storage.Meters);
        app.MapSpoolMetrics();
        return new SpoolServer(app, context, metrics, encryptionSummary, configuration.Server, () => grpcListener!, () => metricsListener);
    }

    /// <summary>
    /// The console log at <c>exchange.spool.log-level</c>, as text lines or JSON objects. ASP.NET's
    /// own categories log warnings and worse only (their information events are per request). The
    /// host's "Hosting failed to start" error is left out: the one failure it reports (an address in
    /// use) reaches Program, which prints it as one line naming the key.
    /// </summary>
    private static void ConfigureConsoleLogging(ILoggingBuilder logging, ServerOptions server)
    {
        logging.ClearProviders();
        if (server.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        logging.SetMinimumLevel(server.LogLevel);
        logging.AddFilter("Microsoft", server.LogLevel > LogLevel.Warning ? server.LogLevel : LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    /// <summary>
    /// HTTP/2 flow-control windows bound what a client may send before the server reads it: 1 MiB a
    /// stream, 64 MiB a connection. Unread data holds the connection's window too, so a sink waiting
    /// for memory holds at most 1 MiB of it, and 64 such sinks (the plugin's streams per connection)
    /// cannot stop every other stream on the connection, control calls included, as two sinks did
    /// with the former 4 MiB and 8 MiB. The 1 MiB max frame (HTTP/2's default is 16 KiB) lets a client
    /// that honours it (grpc-java does) send a 1 MiB message as one DATA frame instead of 64. Public
    /// for the benchmark's transport limit, which must measure the same transport.
    /// </summary>
    public static void ApplyHttp2Limits(Http2Limits http2, ServerOptions server)
    {
        http2.InitialConnectionWindowSize = 64 * 1024 * 1024;
        http2.InitialStreamWindowSize = 1024 * 1024;
        http2.MaxFrameSize = 1024 * 1024;
        http2.MaxStreamsPerConnection = server.MaxStreamsPerConnection;
    }

    /// <summary>The key ring when encryption is on: the configured keys, or a standalone server's generated key.</summary>
    private static KeyRing? LoadKeys(EncryptionOptions encryption, out string summary)
    {
        if (!encryption.Enabled)
        {
            summary = "encryption off";
            return null;
        }
        if (encryption.ToKeyRing() is { } configured)
        {
            summary = $"encryption AES-256-GCM with key id {configured.CurrentKeyId} (key ids {string.Join(", ", configured.KeyIds)})";
            return configured;
        }
        var generated = StandaloneKey.LoadOrGenerate(encryption, out var location);
        summary = $"encryption AES-256-GCM with key id {generated.CurrentKeyId}, standalone key " +
            (location.Generated ? $"generated into {location.Path} (owner-only)" : $"read from {location.Path}");
        return generated;
    }

    /// <summary>
    /// Proves every base directory writable, then starts listening.
    /// </summary>
    /// <exception cref="StartupCheckException">A base directory failed the probe, or an address is in use.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (await StorageProbe.FindUnwritableAsync(Context.Storage, _server.StartupCheckTimeout, cancellationToken).ConfigureAwait(false) is { } failure)
            throw new StartupCheckException(BaseDirectoriesKey, $"{failure.BaseDirectory} is not writable: {failure.Problem}" +
                (failure.TimedOut ? $" (the limit is {StartupCheckTimeoutKey})" : ""));
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            var (key, address) = _server.MetricsAddress is { } metrics && e.Message.Contains(ToEndPoint(metrics).ToString(), StringComparison.Ordinal)
                && ToEndPoint(metrics) != ToEndPoint(_server.Address)
                    ? (MetricsAddressKey, metrics)
                    : (AddressKey, _server.Address);
            throw new StartupCheckException(key, $"cannot listen on {address}: {e.Message}", e);
        }
    }

    /// <summary>Returns once a stop was asked (SIGTERM, Ctrl-C) and the server has drained (see <see cref="ServerDrain"/>).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>
    /// Stops serving at once, without the grace period of a SIGTERM (calls under way end with
    /// UNAVAILABLE, reason SHUTTING_DOWN) and releases everything; once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _app.Services.GetRequiredService<ServerDrain>().EndNow();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.Services.GetRequiredService<ExchangeDeletions>().DrainAsync(DeletionGracePeriod).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Context.Storage.DisposeAsync().ConfigureAwait(false);
        Metrics.Dispose();
    }

    private static Uri ToUri(IPEndPoint endPoint, bool tls) => new($"{(tls ? "https" : "http")}://{endPoint}/");

    private static IPEndPoint ToEndPoint(ListenAddress address)
    {
        var ip = address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? IPAddress.Loopback
            : IPAddress.Parse(address.Host);
        return new IPEndPoint(ip, address.Port);
    }
}
