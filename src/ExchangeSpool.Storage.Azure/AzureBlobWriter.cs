using System.Buffers.Binary;
using Azure.Storage.Blobs.Models;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// Writes one block blob: a file smaller than one block is a single Put Blob at completion; a larger
/// one is staged block by block (Put Block, two in flight while the next fills) and made visible by
/// one Put Block List at completion. Staged blocks that are never committed are invisible to readers
/// and listings, and Azure discards them after a week; an abort deletes the blob only when a commit
/// (or single upload) was sent, whose answer may have been lost.
/// </summary>
internal sealed class AzureBlobWriter(AzureContainer container, string blob) : PartedFileWriter<string>(container.Options.BlockSize)
{
    private bool _commitSent;

    protected override async Task UploadWholeAsync(PartBuffer content, CancellationToken cancellationToken)
    {
        _commitSent = true;
        await container.Requests.RunAsync("PutBlob", container, blob, async token =>
        {
            await using var body = content.OpenRead();
            await container.Blob(blob).UploadAsync(body, new BlobUploadOptions(), token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<string> UploadPartAsync(PartBuffer part, int partNumber, CancellationToken cancellationToken)
    {
        var blockId = BlockId(partNumber);
        await container.Requests.RunAsync($"PutBlock {partNumber}", container, blob, async token =>
        {
            await using var body = part.OpenRead();
            await container.Blob(blob).StageBlockAsync(blockId, body, options: null, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return blockId;
    }

    protected override async Task CommitPartsAsync(IReadOnlyList<string> parts, CancellationToken cancellationToken)
    {
        _commitSent = true;
        await container.Requests.RunAsync("PutBlockList", container, blob,
            token => container.Blob(blob).CommitBlockListAsync(parts, options: null, token), cancellationToken).ConfigureAwait(false);
    }

    protected override async Task AbortAsync()
    {
        if (!_commitSent)
            return;
        try
        {
            await container.Requests.RunAsync("DeleteBlob", container, blob,
                token => container.Blob(blob).DeleteIfExistsAsync(cancellationToken: token), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Left to the prefix deletion that follows every abort.
        }
    }

    /// <summary>Block ids of one blob must all have the same length: base64 of the part number as 4 big-endian bytes.</summary>
    internal static string BlockId(int partNumber)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, partNumber);
        return Convert.ToBase64String(bytes);
    }
}
