using System.Reflection;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>Paths in the repository the tests were built from (the proto, the interop script).</summary>
internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "RepositoryRoot").Value!;

    public const string ProtoPath = "proto/exchange_spool.proto";
}
