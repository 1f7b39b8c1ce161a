using System.Net;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Core.Storage.Local;
using ExchangeSpool.Grpc;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server;

/// <summary>Builds and runs the exchange-spool host from a validated configuration; used by Program and by tests.</summary>
public sealed class SpoolServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SpoolServer(WebApplication app, SpoolContext context)
    {
        _app = app;
        Context = context;
    }

    public SpoolContext Context { get; }

    /// <summary>The address clients connect to, e.g. <c>http://127.0.0.1:9477</c>, known once started.</summary>
    public Uri Address =>
        new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static SpoolServer Create(ServerConfiguration configuration, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ListenGrpc(ToEndPoint(configuration.Server.Address), new GrpcKestrelOptions()));

        var context = new SpoolContext(configuration.Spool, new LocalExchangeStorage(configuration.Spool.BaseDirectories));
        builder.Services.AddGrpcWire(options =>
        {
            options.MaxReceiveMessageSize = configuration.Server.MaxMessageSize;
            options.MaxSendMessageSize = configuration.Server.MaxMessageSize;
            options.ExceptionMapper = SpoolStatusMapper.Map;
        });
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton<SinkRegistry>();
        builder.Services.AddSingleton<ExchangeLifecycle>();
        builder.Services.AddSingleton<HandlePlanner>();
        builder.Services.AddSingleton<SourceReader>();
        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<ExchangeSpoolService>(
            services, configuration.Server.MaxMessageSize));

        var app = builder.Build();
        app.MapGrpcService(app.Services.GetRequiredService<ExchangeSpoolService>().Bind);
        return new SpoolServer(app, context);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IPEndPoint ToEndPoint(ListenAddress address)
    {
        var ip = address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? IPAddress.Loopback
            : IPAddress.Parse(address.Host);
        return new IPEndPoint(ip, address.Port);
    }
}
