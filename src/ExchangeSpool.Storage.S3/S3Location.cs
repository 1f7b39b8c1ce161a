namespace ExchangeSpool.Storage.S3;

/// <summary>
/// A base directory on S3: <c>s3://bucket/prefix</c>, the prefix possibly empty. Trino's S3 exchange
/// storage also takes <c>s3a://</c> and <c>s3n://</c> (Hadoop's names for S3); they mean the same
/// bucket and prefix and are written back as <c>s3://</c>.
/// </summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3";

    /// <summary>The schemes Trino's filesystem exchange manager sends to its S3 storage.</summary>
    public static IReadOnlyList<string> Schemes { get; } = [Scheme, "s3a", "s3n"];

    public static bool IsS3(string baseDirectory) => SchemeLength(baseDirectory) > 0;

    /// <exception cref="ArgumentException">Not an <c>s3://bucket[/prefix]</c> URI.</exception>
    public static S3Location Parse(string baseDirectory)
    {
        var schemeLength = SchemeLength(baseDirectory);
        if (schemeLength == 0)
            throw new ArgumentException($"'{baseDirectory}' is not an s3://bucket/prefix URI");
        var rest = baseDirectory[(schemeLength + 3)..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            throw new ArgumentException($"'{baseDirectory}' does not name a valid bucket (3-63 lowercase letters, digits, '-' or '.')");
        if (prefix.Length > 0 && prefix.Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"'{baseDirectory}' has an empty, '.' or '..' segment in its prefix");
        return new S3Location(bucket, prefix);
    }

    /// <summary>The length of the S3 scheme <paramref name="baseDirectory"/> starts with (before its <c>://</c>), or 0.</summary>
    private static int SchemeLength(string baseDirectory) =>
        Schemes.FirstOrDefault(scheme => baseDirectory.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase))?.Length ?? 0;

    /// <summary>The object key of a path relative to this base directory.</summary>
    public string KeyOf(string relativePath) => Prefix.Length == 0 ? relativePath : $"{Prefix}/{relativePath}";

    public override string ToString() => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";
}
