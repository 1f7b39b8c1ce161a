using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>
/// Base of every test that touches storage: a fresh temp directory with two base directories,
/// deleted when the test ends, and a token that stops a hung test instead of blocking the run.
/// </summary>
public abstract class SpoolTest : IDisposable
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(120));
    private readonly List<SpoolHarness> _spools = [];

    protected SpoolTest()
    {
        Root = Path.Combine(Path.GetTempPath(), "exchange-spool-core-tests", Guid.NewGuid().ToString("N"));
        BaseDirectories = [Path.Combine(Root, "base0"), Path.Combine(Root, "base1")];
        Directory.CreateDirectory(Root);
    }

    protected string Root { get; }

    protected string[] BaseDirectories { get; }

    /// <summary>Cancels only a test that hangs; no test asserts on time.</summary>
    protected CancellationToken Ct => _guard.Token;

    /// <param name="keys">Master keys to encrypt with; null leaves encryption off.</param>
    /// <param name="clock">The clock stalls are measured by; the system's when null.</param>
    protected SpoolHarness NewSpool(SpoolOptions? options = null, KeyRing? keys = null, TimeProvider? clock = null) =>
        Track(new SpoolHarness(new SpoolContext(options ?? new SpoolOptions(), new LocalExchangeStorage(BaseDirectories), keys, clock)));

    /// <summary>A spool whose background clean-ups the test waits for before deleting its directories, as a stopping server does.</summary>
    protected SpoolHarness Track(SpoolHarness spool)
    {
        _spools.Add(spool);
        return spool;
    }

    public void Dispose()
    {
        foreach (var spool in _spools)
            spool.Context.Cleanups.DrainAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        _guard.Dispose();
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
