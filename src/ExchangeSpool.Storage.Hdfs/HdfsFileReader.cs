using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// Reads a completed file by OPEN with offset and length, a block-size window at a time; the windows,
/// their read-ahead and their place in the memory budget are <see cref="WindowedFileReader"/>'s. The
/// length is known before reading (GETFILESTATUS), so every OPEN asks for bytes the file has and a
/// short answer is retried; a file gone while it is read is DATA_LOSS naming it.
/// </summary>
internal sealed class HdfsFileReader : WindowedFileReader
{
    private readonly WebHdfsClient _client;
    private readonly string _path;
    private readonly string _uri;
    private readonly long _length;

    private HdfsFileReader(WebHdfsClient client, string path, string uri, long length, int windowSize, MemoryBudget budget)
        : base(budget, windowSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _client = client;
        _path = path;
        _uri = uri;
        _length = length;
    }

    /// <summary>Opens a file of <paramref name="length"/> bytes (as GETFILESTATUS found it) by an OPEN of its first window.</summary>
    public static Task<HdfsFileReader> OpenAsync(WebHdfsClient client, string path, string uri, long length, int windowSize, MemoryBudget budget,
        CancellationToken cancellationToken) =>
        OpenAsync(new HdfsFileReader(client, path, uri, length, windowSize, budget), cancellationToken);

    protected override async Task<(int Count, long Length)> FetchFirstAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_length == 0)
            return (0, 0);
        return (await FetchAsync(0, destination[..(int)Math.Min(destination.Length, _length)], cancellationToken).ConfigureAwait(false), _length);
    }

    protected override async Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.OpenAsync(_path, start, destination, destination.Length, cancellationToken).ConfigureAwait(false);
        }
        catch (WebHdfsRemoteException e) when (e.IsFileNotFound)
        {
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {_uri} disappeared while it was read: {e.Message}", e);
        }
    }
}
