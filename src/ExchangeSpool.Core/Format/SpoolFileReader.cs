using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Format;

/// <summary>
/// Reads a spool file block by block into pooled buffers, verifying each block before it is handed
/// out. Any damage (flipped bit, truncation, reordered or foreign block, wrong length) fails with a
/// data-loss error that names the file and the block; a wrong page is never returned.
/// </summary>
public sealed class SpoolFileReader : IAsyncDisposable
{
    private readonly IStorageFileReader _reader;
    private readonly BufferPool _pool;
    private readonly string _name;
    private readonly ManifestFile _expected;
    private readonly byte[] _headerBytes = new byte[BlockHeader.Size];
    private long _position = SpoolFileHeader.Size;
    private uint _blockIndex;
    private long _pages;

    private SpoolFileReader(IStorageFileReader reader, BufferPool pool, string name, ManifestFile expected)
    {
        _reader = reader;
        _pool = pool;
        _name = name;
        _expected = expected;
    }

    /// <summary>Opens a file and checks its header and length against what its manifest recorded.</summary>
    public static async ValueTask<SpoolFileReader> OpenAsync(IExchangeStorage storage, StoragePath path, ManifestFile expected, BufferPool pool, CancellationToken cancellationToken)
    {
        var reader = await storage.OpenFileAsync(path, cancellationToken).ConfigureAwait(false);
        var file = new SpoolFileReader(reader, pool, path.RelativePath, expected);
        try
        {
            await file.CheckHeaderAsync(cancellationToken).ConfigureAwait(false);
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next verified block (payload = page frames), or null after the last one. The caller returns the buffer.</summary>
    public async ValueTask<SpoolBuffer?> ReadBlockAsync(CancellationToken cancellationToken)
    {
        if (_blockIndex == _expected.BlockCount)
        {
            if (_position != _reader.Length || _pages != _expected.PageCount)
                throw Damaged(null, $"holds {_reader.Length - _position} bytes or pages its commit manifest does not list after block {_expected.BlockCount - 1}");
            return null;
        }
        var read = await _reader.ReadAsync(_position, _headerBytes, cancellationToken).ConfigureAwait(false);
        if (read < BlockHeader.Size)
            throw Damaged(_blockIndex, $"truncated: the file ends {read} bytes into the block header");
        var maxPayload = (int)Math.Min(_pool.MaxPayloadSize, _reader.Length);
        if (!BlockHeader.TryRead(_headerBytes, _blockIndex, maxPayload, out var header, out var problem))
            throw Damaged(_blockIndex, problem);

        var buffer = await _pool.RentAsync(header.StoredLength, cancellationToken).ConfigureAwait(false);
        try
        {
            var payload = buffer.Array.AsMemory(SpoolBuffer.HeaderRoom, header.StoredLength);
            read = await _reader.ReadAsync(_position + BlockHeader.Size, payload, cancellationToken).ConfigureAwait(false);
            if (read < header.StoredLength)
                throw Damaged(_blockIndex, $"truncated: {read} of {header.StoredLength} payload bytes present");
            if (Crc32C.Compute(payload.Span) != header.PayloadCrc)
                throw Damaged(_blockIndex, "payload checksum mismatch");
            if (!PageFrames.TryValidate(payload.Span, header.PageCount, out problem))
                throw Damaged(_blockIndex, problem);
            buffer.Length = header.StoredLength;
            buffer.PageCount = header.PageCount;
        }
        catch
        {
            _pool.Return(buffer);
            throw;
        }
        _position += BlockHeader.Size + header.StoredLength;
        _pages += header.PageCount;
        _blockIndex++;
        return buffer;
    }

    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    private async ValueTask CheckHeaderAsync(CancellationToken cancellationToken)
    {
        if (_reader.Length != _expected.StoredSize)
            throw Damaged(null, $"is {_reader.Length} bytes long, its commit manifest says {_expected.StoredSize} (truncated or replaced)");
        var bytes = new byte[SpoolFileHeader.Size];
        var read = await _reader.ReadAsync(0, bytes, cancellationToken).ConfigureAwait(false);
        if (!SpoolFileHeader.TryRead(bytes.AsSpan(0, read), out var header, out var problem))
            throw Damaged(null, $"has a bad header: {problem}");
        if (header.Flags != SpoolFileFlags.None)
            throw Damaged(null, $"is {header.Flags}, which this version cannot read");
    }

    private SpoolException Damaged(uint? block, string problem) =>
        SpoolException.DataLoss(block is null
            ? $"spool file {_name} {problem}"
            : $"spool file {_name} block {block}: {problem}");
}
