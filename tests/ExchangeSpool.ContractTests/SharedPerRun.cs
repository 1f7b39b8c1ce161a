namespace ExchangeSpool.ContractTests;

/// <summary>
/// One instance of a test server for the whole run: started by the first test class that asks for
/// it, stopped when the collection fixture of the last one is done.
/// </summary>
public sealed class SharedPerRun<T>(Func<Task<T>> start, Func<T, Task> stop) where T : class
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private T? _shared;

    public async Task<T> GetAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return _shared ??= await start();
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task StopAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_shared is { } shared)
                await stop(shared);
            _shared = null;
        }
        finally
        {
            _lock.Release();
        }
    }
}
