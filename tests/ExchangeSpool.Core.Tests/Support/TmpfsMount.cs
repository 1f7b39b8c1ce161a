using System.Diagnostics;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>A tiny tmpfs mounted for one test, so that a disk really fills up; unmounted on dispose.</summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string directory) => Directory = directory;

    public string Directory { get; }

    public static TmpfsMount Create(string directory, string size)
    {
        System.IO.Directory.CreateDirectory(directory);
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", directory);
        return new TmpfsMount(directory);
    }

    public void Dispose() => Run("umount", Directory);

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }
}

/// <summary>A test that needs root (to mount a file system); skipped, saying so, when the tests do not run as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "needs root to mount a tmpfs (CI runs the tests as root)";
    }
}
