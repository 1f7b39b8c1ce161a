using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Core.Storage.Local;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server;

/// <summary>The storage backend the base directories name: <c>s3://</c> locations or local directories (configuration refuses a mix).</summary>
internal static class StorageFactory
{
    /// <param name="budget">The server's memory budget, which S3's read windows are charged to.</param>
    public static IExchangeStorage Create(ServerConfiguration configuration, MemoryBudget budget)
    {
        var directories = configuration.Spool.BaseDirectories;
        return directories.All(S3Location.IsS3)
            ? new S3Storage(directories, configuration.S3, budget)
            : new LocalExchangeStorage(directories, configuration.Spool.LocalFsync, configuration.Spool.LocalFileMode, configuration.Spool.LocalDirectoryMode);
    }
}
