namespace ExchangeSpool.Core.Configuration;

/// <summary>
/// The option records settings bind into, one per record type (<see cref="SpoolOptions"/>, a
/// backend's own options, ...). A record nobody set is its defaults, so each owner reads its
/// options without the others knowing its type.
/// </summary>
public sealed class BoundOptions
{
    private readonly Dictionary<Type, object> _records = [];

    public T Get<T>() where T : class, new() =>
        _records.TryGetValue(typeof(T), out var record) ? (T)record : new T();

    public void Set<T>(T record) where T : class => _records[typeof(T)] = record;
}
