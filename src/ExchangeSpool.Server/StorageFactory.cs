using ExchangeSpool.Core.Storage;
using ExchangeSpool.Core.Storage.Local;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server;

/// <summary>The storage backend the base directories name: <c>s3://</c> locations or local directories (configuration refuses a mix).</summary>
internal static class StorageFactory
{
    public static IExchangeStorage Create(ServerConfiguration configuration)
    {
        var directories = configuration.Spool.BaseDirectories;
        return directories.All(S3Location.IsS3)
            ? new S3Storage(directories, configuration.S3)
            : new LocalExchangeStorage(directories, configuration.Spool.LocalFsync, configuration.Spool.LocalFileMode, configuration.Spool.LocalDirectoryMode);
    }
}
