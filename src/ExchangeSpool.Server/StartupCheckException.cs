namespace ExchangeSpool.Server;

/// <summary>
/// The configuration is valid but the machine does not let the server run with it: a base
/// directory that cannot be created or written, a storage that does not answer, an address already
/// in use. The message is one line, <c>key: problem</c>, naming the setting and the path or address,
/// for the operator to fix before starting again.
/// </summary>
public sealed class StartupCheckException(string key, string problem, Exception? cause = null)
    : Exception($"{key}: {problem}", cause)
{
    public string Key { get; } = key;
}
