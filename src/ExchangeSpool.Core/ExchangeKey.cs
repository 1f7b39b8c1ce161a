using System.Buffers;

namespace ExchangeSpool.Core;

/// <summary>Names one exchange of one query. Both ids become path segments, so both are checked.</summary>
public readonly record struct ExchangeKey(string QueryId, string ExchangeId)
{
    public const int MaxIdLength = 128;

    private static readonly SearchValues<char> IdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    /// <summary>Throws InvalidArgument unless both ids match [a-zA-Z0-9_-]+ and are at most 128 characters.</summary>
    public ExchangeKey Validated()
    {
        CheckId("query id", QueryId);
        CheckId("exchange id", ExchangeId);
        return this;
    }

    private static void CheckId(string what, string? id)
    {
        if (string.IsNullOrEmpty(id))
            throw SpoolException.InvalidArgument($"{what} is missing");
        if (id.Length > MaxIdLength)
            throw SpoolException.InvalidArgument($"{what} '{id[..16]}...' is {id.Length} characters long; the limit is {MaxIdLength}");
        if (id.AsSpan().ContainsAnyExcept(IdChars))
            throw SpoolException.InvalidArgument($"{what} '{id}' must match [a-zA-Z0-9_-]+");
    }

    public override string ToString() => $"{QueryId}.{ExchangeId}";
}
