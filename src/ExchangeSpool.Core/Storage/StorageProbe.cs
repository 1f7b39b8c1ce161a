using System.Globalization;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Proves at start that every base directory takes writes: a small file is written atomically, read
/// back and deleted in each, through the storage seam, so the check is the same for every backend
/// and fails for whatever the backend would fail at on the first sink (a missing bucket, denied
/// credentials, a read-only mount, an unreachable endpoint).
/// </summary>
public static class StorageProbe
{
    private static readonly byte[] Content = "exchange-spool write probe\n"u8.ToArray();

    /// <summary>
    /// The first base directory that fails the probe, with why, or null when all passed. A storage
    /// that does not answer within <paramref name="timeout"/> fails with that reason, so an
    /// unreachable endpoint stops the start in bounded time whatever the backend's own retries.
    /// </summary>
    public static async Task<StorageProbeFailure?> FindUnwritableAsync(IExchangeStorage storage, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        for (var i = 0; i < storage.BaseDirectories.Count; i++)
        {
            try
            {
                await ProbeAsync(storage, i, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return new StorageProbeFailure(storage.BaseDirectories[i],
                    $"the storage did not answer within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s", TimedOut: true);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever a backend throws (mapped storage errors, an SDK's own, a refused connection)
                // is a reason the start cannot go on, reported as one line rather than a stack trace.
                return new StorageProbeFailure(storage.BaseDirectories[i], Describe(e), TimedOut: false);
            }
        }
        return null;
    }

    private static async Task ProbeAsync(IExchangeStorage storage, int baseIndex, CancellationToken cancellationToken)
    {
        var probe = ExchangeLayout.WriteProbe(baseIndex);
        if (!await storage.WriteAtomicAsync(probe, Content, cancellationToken).ConfigureAwait(false))
            throw new IOException($"probe file {probe} already exists");
        try
        {
            var read = await storage.ReadSmallFileAsync(probe, Content.Length, cancellationToken).ConfigureAwait(false);
            if (read is null || !read.AsSpan().SequenceEqual(Content))
                throw new IOException($"probe file {probe} did not read back as written");
        }
        finally
        {
            await storage.DeleteFileAsync(probe, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The message, and the inner one where it says more (the OS error behind a wrapped failure).</summary>
    private static string Describe(Exception e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{e.Message} ({inner.Message})"
            : e.Message;
}

/// <summary>A base directory that failed the write probe, why, and whether that was the probe's time running out.</summary>
public sealed record StorageProbeFailure(string BaseDirectory, string Problem, bool TimedOut);
