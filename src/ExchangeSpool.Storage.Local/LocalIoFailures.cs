using ExchangeSpool.Core;

namespace ExchangeSpool.Storage.Local;

/// <summary>The file system failures a client can act on, told apart from a storage that is merely unavailable.</summary>
internal static class LocalIoFailures
{
    // On Linux an IOException carries the errno as its HResult (checked by writing to a full tmpfs: 28).
    private const int NoSpaceLeft = 28; // ENOSPC
    private const int QuotaExceeded = 122; // EDQUOT

    public static bool IsStorageFull(IOException e) => e.HResult is NoSpaceLeft or QuotaExceeded;

    /// <summary>RESOURCE_EXHAUSTED rather than UNAVAILABLE: retrying at once cannot help, freeing space can. The message names the path.</summary>
    public static SpoolException StorageFull(IOException e) =>
        new(SpoolErrorReason.StorageFull, $"the spool storage is full: {e.Message}", e);
}
