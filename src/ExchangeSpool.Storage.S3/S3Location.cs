namespace ExchangeSpool.Storage.S3;

/// <summary>A base directory on S3: <c>s3://bucket/prefix</c>, the prefix possibly empty.</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3";

    public static bool IsS3(string baseDirectory) =>
        baseDirectory.StartsWith(Scheme + "://", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">Not an <c>s3://bucket[/prefix]</c> URI.</exception>
    public static S3Location Parse(string baseDirectory)
    {
        if (!IsS3(baseDirectory))
            throw new ArgumentException($"'{baseDirectory}' is not an s3://bucket/prefix URI");
        var rest = baseDirectory[(Scheme.Length + 3)..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            throw new ArgumentException($"'{baseDirectory}' does not name a valid bucket (3-63 lowercase letters, digits, '-' or '.')");
        if (prefix.Length > 0 && prefix.Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"'{baseDirectory}' has an empty, '.' or '..' segment in its prefix");
        return new S3Location(bucket, prefix);
    }

    /// <summary>The object key of a path relative to this base directory.</summary>
    public string KeyOf(string relativePath) => Prefix.Length == 0 ? relativePath : $"{Prefix}/{relativePath}";

    public override string ToString() => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";
}
