namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// Runs interop/interop.js with node from the repository root, so the script finds its
/// node_modules next to it and the proto by its path in the repository.
/// </summary>
internal static class NodeInterop
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string InteropDirectory = "tests/ExchangeSpool.Server.Tests/interop";

    /// <summary><c>node interop.js &lt;proto&gt; &lt;mode&gt; &lt;arguments&gt;...</c>; fails the test when the npm packages are missing.</summary>
    public static ChildProcess Start(string mode, params string[] arguments)
    {
        var directory = Path.Combine(Repository.Root, InteropDirectory);
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js"))
            || !Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "proto-loader")))
        {
            Assert.Fail(
                $"The interop tests need their npm packages in {directory}/node_modules: " +
                $"run `npm ci --prefix {InteropDirectory}` from the repository root.");
        }
        return ChildProcess.Start("node", [$"{InteropDirectory}/interop.js", Repository.ProtoPath, mode, .. arguments], Repository.Root);
    }
}
