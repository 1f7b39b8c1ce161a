namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// A test of file permissions, which root ignores: skipped when the tests run as root (uid 0),
/// where a directory of mode 0500 is still writable.
/// </summary>
public sealed class NotAsRootFactAttribute : FactAttribute
{
    public NotAsRootFactAttribute()
    {
        if (Environment.IsPrivilegedProcess)
            Skip = "runs as root (uid 0), which may write a directory of mode 0500 anyway";
    }
}
