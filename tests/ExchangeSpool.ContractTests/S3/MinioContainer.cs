using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// MinIO in a throwaway container, started through Testcontainers where a Docker engine is reachable
/// (the S3 tests and the benchmark prefer it to the RADOS Gateway then: it boots in seconds). Never
/// run on the development machines or CI of this project, which have no Docker engine; there the
/// tests fall back to <see cref="RadosGateway"/>. Disposing removes the container.
/// </summary>
public sealed class MinioContainer : IAsyncDisposable
{
    /// <summary>Pinned: the last release whose image this code was written against.</summary>
    public const string Image = "minio/minio:RELEASE.2025-04-22T22-12-26Z";

    private const ushort ApiPort = 9000;

    private readonly IContainer _container;

    private MinioContainer(IContainer container, string accessKey, string secretKey)
    {
        _container = container;
        AccessKey = accessKey;
        SecretKey = secretKey;
    }

    public string AccessKey { get; }

    public string SecretKey { get; }

    public Uri Endpoint => new($"http://{_container.Hostname}:{_container.GetMappedPublicPort(ApiPort)}/");

    /// <summary>True when Testcontainers' discovery found a Docker engine (DOCKER_HOST, the default socket, ...).</summary>
    public static bool DockerIsReachable => TestcontainersSettings.OS.DockerEndpointAuthConfig is not null;

    public static async Task<MinioContainer> StartAsync()
    {
        var accessKey = "spool-test";
        var secretKey = Guid.NewGuid().ToString("N");
        var container = new ContainerBuilder(Image)
            .WithCommand("server", "/data")
            .WithEnvironment("MINIO_ROOT_USER", accessKey)
            .WithEnvironment("MINIO_ROOT_PASSWORD", secretKey)
            .WithPortBinding(ApiPort, assignRandomHostPort: true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(request => request.ForPort(ApiPort).ForPath("/minio/health/live")))
            .Build();
        try
        {
            await container.StartAsync();
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
        return new MinioContainer(container, accessKey, secretKey);
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();
}
