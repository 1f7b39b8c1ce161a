namespace ExchangeSpool.Protocol;

/// <summary>
/// How a client proves it may call the server: a shared secret read from a file, sent on every call
/// as <c>authorization: Bearer &lt;token&gt;</c>. The server and every client read the file the same
/// way, so a file written by any tool (with or without a final newline) means the same token.
/// </summary>
public static class BearerTokens
{
    public const string HeaderName = "authorization";

    public const string Scheme = "Bearer ";

    /// <summary>Longer tokens are refused: a header of that size is a mistake, not a secret.</summary>
    public const int MaxLength = 4096;

    /// <summary>
    /// The token in <paramref name="path"/>, without its trailing line break. Messages name the file,
    /// never its content.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file is empty or holds what a header cannot carry.</exception>
    public static string ReadFile(string path)
    {
        var token = File.ReadAllText(path).TrimEnd('\n', '\r');
        if (token.Length == 0)
            throw new InvalidDataException($"token file '{path}' is empty");
        if (token.Length > MaxLength)
            throw new InvalidDataException($"token file '{path}' holds more than {MaxLength} characters");
        // Visible ASCII only: a header value cannot carry line breaks, and other whitespace is most
        // likely a file holding more than the token.
        if (token.Any(c => c is < '!' or > '~'))
            throw new InvalidDataException($"token file '{path}' holds spaces, line breaks or non-ASCII characters; it must hold the token alone (visible ASCII)");
        return token;
    }
}
