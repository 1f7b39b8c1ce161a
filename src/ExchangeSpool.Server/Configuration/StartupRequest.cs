namespace ExchangeSpool.Server.Configuration;

/// <summary>What the command line asks for. The caller prints and exits; loading never does.</summary>
public abstract record StartupRequest;

public sealed record ShowHelp : StartupRequest;

public sealed record ShowVersion : StartupRequest;

public sealed record RunServer(ServerConfiguration Configuration) : StartupRequest;
