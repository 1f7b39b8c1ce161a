using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Format;

/// <summary>
/// Reads a spool file block by block into pooled read-ahead buffers, verifying each block before it
/// is handed out; it can go back to a block it read before (<see cref="NextBlock"/>, <see cref="Seek"/>). Any damage (flipped bit, truncation, reordered or foreign block, wrong length, a file
/// replaced by another) fails with a data-loss error that names the exchange, the file and the
/// block; a wrong page is never returned.
/// </summary>
public sealed class SpoolFileReader : IAsyncDisposable
{
    private readonly IStorageFileReader _reader;
    private readonly BufferPool _pool;
    private readonly string _name;
    private readonly ManifestFile _expected;
    private readonly byte[] _headerBytes = new byte[BlockHeader.Size];
    private SpoolFileBinding _binding = null!;
    private BlockCipher? _cipher;
    private BlockOpener _opener = null!;
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

    /// <summary>
    /// Opens the file <paramref name="expected"/> of a committed attempt and checks its length,
    /// header and identity against what the manifest recorded.
    /// </summary>
    public static async ValueTask<SpoolFileReader> OpenAsync(SpoolContext context, ExchangeSpec exchange, int sinkId, int attemptId, ManifestFile expected, CancellationToken cancellationToken)
    {
        var path = context.Layout.DataFile(exchange.Key, sinkId, attemptId, expected.PartitionId, expected.FileIndex);
        var reader = await context.Storage.OpenFileAsync(path, cancellationToken).ConfigureAwait(false);
        var file = new SpoolFileReader(reader, context.Pool, $"exchange {exchange.Key}: spool file {path.RelativePath}", expected);
        try
        {
            var header = await file.ReadFileHeaderAsync(cancellationToken).ConfigureAwait(false);
            file._binding = new SpoolFileBinding(header, new SpoolFilePlace(sinkId, attemptId, expected.PartitionId, expected.FileIndex));
            file._cipher = file.CipherFor(header, context.Keys, exchange);
            file._opener = new BlockOpener(file._cipher);
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where the next block starts.</summary>
    public BlockMark NextBlock => new(_position, _blockIndex, _pages);

    /// <summary>Goes back (or on) to a block start that <see cref="NextBlock"/> gave for this file; that block is read and verified again.</summary>
    public void Seek(BlockMark mark)
    {
        _position = mark.Offset;
        _blockIndex = mark.BlockIndex;
        _pages = mark.PagesBefore;
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
        var maxStored = Math.Min(_pool.MaxPayloadSize + BlockCipher.TagSize, _reader.Length - _position - BlockHeader.Size);
        if (!BlockHeader.TryRead(_headerBytes, _blockIndex, _binding.Header.IsEncrypted, maxStored, _pool.MaxPayloadSize, out var header, out var problem))
            throw Damaged(_blockIndex, problem);

        SpoolBuffer stored;
        SpoolBuffer? plain = null;
        if (header.IsCompressed)
            (stored, plain) = await _pool.RentPairAsync(MemoryUse.ReadAhead, header.PayloadLength, header.PlainLength, cancellationToken).ConfigureAwait(false);
        else
            stored = await _pool.RentAsync(MemoryUse.ReadAhead, header.PayloadLength, cancellationToken).ConfigureAwait(false);
        try
        {
            read = await _reader.ReadAsync(_position + BlockHeader.Size, BlockOpener.StoredRegion(stored, header), cancellationToken).ConfigureAwait(false);
            if (read < header.StoredLength)
                throw Damaged(_blockIndex, $"truncated: {read} of {header.StoredLength} stored bytes present");
            if (!_opener.TryOpen(header, _headerBytes, _binding, stored, plain, out problem))
                throw Damaged(_blockIndex, problem);
        }
        catch
        {
            _pool.Return(stored);
            if (plain is not null)
                _pool.Return(plain);
            throw;
        }
        if (plain is not null)
            _pool.Return(stored);
        _position += BlockHeader.Size + header.StoredLength;
        _pages += header.PageCount;
        _blockIndex++;
        return plain ?? stored;
    }

    public async ValueTask DisposeAsync()
    {
        _cipher?.Dispose();
        await _reader.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<SpoolFileHeader> ReadFileHeaderAsync(CancellationToken cancellationToken)
    {
        if (_reader.Length != _expected.StoredSize)
            throw Damaged(null, $"is {_reader.Length} bytes long, its commit manifest says {_expected.StoredSize} (truncated or replaced)");
        var bytes = new byte[SpoolFileHeader.Size];
        var read = await _reader.ReadAsync(0, bytes, cancellationToken).ConfigureAwait(false);
        if (!SpoolFileHeader.TryRead(bytes.AsSpan(0, read), out var header, out var problem))
            throw Damaged(null, $"has a bad header: {problem}");
        if (header.NonceSeed != _expected.NonceSeed)
            throw Damaged(null, "is not the file its commit manifest lists (its seed differs: replaced, e.g. by another attempt's file)");
        return header;
    }

    /// <summary>The cipher an encrypted file needs; with encryption on, a file that is not encrypted cannot be authenticated and is refused.</summary>
    private BlockCipher? CipherFor(SpoolFileHeader header, KeyRing? keys, ExchangeSpec exchange)
    {
        if (!header.IsEncrypted)
            return keys is null
                ? null
                : throw Damaged(null, "is not encrypted, but encryption is enabled on this server, so it cannot be authenticated");
        if (keys is null)
            throw new SpoolException(SpoolErrorReason.EncryptionKeyUnknown,
                $"{_name} is encrypted (key id {header.KeyId}), but encryption is not enabled on this server (exchange.encryption-enabled=false)");
        if (!keys.Contains(header.KeyId))
            throw new SpoolException(SpoolErrorReason.EncryptionKeyUnknown,
                $"{_name} is encrypted with key id {header.KeyId}, which this server does not hold (key ids: {string.Join(", ", keys.KeyIds)}); " +
                "configure that key in exchange.spool.encryption.previous-key-files");
        return keys.CreateCipher(header.KeyId, exchange);
    }

    private SpoolException Damaged(uint? block, string problem) =>
        SpoolException.DataLoss(block is null ? $"{_name} {problem}" : $"{_name} block {block}: {problem}");
}

/// <summary>The start of a block in a spool file: its offset, its index and the pages before it.</summary>
public readonly record struct BlockMark(long Offset, uint BlockIndex, long PagesBefore)
{
    public static BlockMark First => new(SpoolFileHeader.Size, 0, 0);
}
