namespace ExchangeSpool.Server.Security;

/// <summary>
/// A value read from files (the TLS certificate and key, the token) that is read again once they
/// change, as Kubernetes rotates a mounted secret, without a restart. Each use costs one stat per
/// file: a watcher on the files' directories flags any event there (Kubernetes swaps a symlinked
/// directory, which changes no watched name), and the write times catch what a watcher may miss
/// (an overflowed queue, a file replaced in place). A failed reload (a file half-written) keeps
/// the previous value and is tried again at the next change.
/// </summary>
public sealed class ReloadedFromFiles<T> : IDisposable where T : class
{
    private readonly string[] _paths;
    private readonly Func<T> _load;
    private readonly Action<Exception> _reloadFailed;
    private readonly Action _reloaded;
    private readonly FileSystemWatcher[] _watchers;
    private readonly DateTime[] _writeTimes;
    private readonly Lock _reloading = new();
    private volatile bool _eventSeen;
    private volatile T _current;

    /// <param name="paths">The files <paramref name="load"/> reads.</param>
    /// <param name="load">Reads the files; throws when they are not usable.</param>
    /// <param name="reloaded">Told after a change was read.</param>
    /// <param name="reloadFailed">Told when a change could not be read; the previous value stays.</param>
    /// <exception cref="Exception">Whatever <paramref name="load"/> throws at the first read.</exception>
    public ReloadedFromFiles(IReadOnlyList<string> paths, Func<T> load, Action reloaded, Action<Exception> reloadFailed)
    {
        _paths = paths.Select(Path.GetFullPath).ToArray();
        _load = load;
        _reloaded = reloaded;
        _reloadFailed = reloadFailed;
        _writeTimes = new DateTime[_paths.Length];
        RecordWriteTimes();
        _current = load();
        _watchers = _paths.Select(path => Path.GetDirectoryName(path)!).Distinct().Select(Watch).ToArray();
    }

    /// <summary>The value as last read; reads the files again first when they changed since.</summary>
    public T Current
    {
        get
        {
            if (HasChanged())
                Reload();
            return _current;
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
            watcher.Dispose();
    }

    private bool HasChanged()
    {
        if (_eventSeen)
            return true;
        for (var i = 0; i < _paths.Length; i++)
        {
            if (File.GetLastWriteTimeUtc(_paths[i]) != _writeTimes[i])
                return true;
        }
        return false;
    }

    private void Reload()
    {
        lock (_reloading)
        {
            if (!HasChanged())
                return;
            // Taken before reading: a change made while the files are read is seen next time.
            _eventSeen = false;
            RecordWriteTimes();
            try
            {
                _current = _load();
            }
            catch (Exception e)
            {
                _reloadFailed(e);
                return;
            }
            _reloaded();
        }
    }

    private void RecordWriteTimes()
    {
        for (var i = 0; i < _paths.Length; i++)
            _writeTimes[i] = File.GetLastWriteTimeUtc(_paths[i]);
    }

    private FileSystemWatcher Watch(string directory)
    {
        var watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        void Flag(object sender, EventArgs e) => _eventSeen = true;
        watcher.Changed += Flag;
        watcher.Created += Flag;
        watcher.Deleted += Flag;
        watcher.Renamed += Flag;
        watcher.Error += Flag;
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
