using System.Text.RegularExpressions;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// Trino's secrets syntax in properties files: <c>${ENV:NAME}</c> anywhere in a value stands for the
/// environment variable NAME. The Stackable operator writes S3 credentials this way
/// (<c>exchange.s3.aws-secret-key=${ENV:EXCHANGE_S3_AWS_SECRET_KEY}</c>). Errors name the key and
/// the variable, never a value.
/// </summary>
public static partial class SecretReferences
{
    private const string EnvironmentProvider = "ENV";

    [GeneratedRegex(@"\$\{(?<provider>[^:}]*):(?<name>[^}]*)\}")]
    private static partial Regex Reference();

    /// <summary>The value with every reference replaced; a variable that is not set at all is an error (an empty one is empty).</summary>
    public static string Resolve(string key, string value, Func<string, string?> environment) =>
        value.Contains("${", StringComparison.Ordinal)
            ? Reference().Replace(value, reference => Lookup(key, reference, environment))
            : value;

    private static string Lookup(string key, Match reference, Func<string, string?> environment)
    {
        var provider = reference.Groups["provider"].Value;
        var name = reference.Groups["name"].Value;
        if (provider != EnvironmentProvider)
            throw new ConfigurationException(key, $"'${{{provider}:...}}' names an unknown secrets provider '{provider}'; only ${{ENV:NAME}} is supported");
        if (name.Length == 0)
            throw new ConfigurationException(key, "'${ENV:}' names no environment variable");
        return environment(name) ?? throw new ConfigurationException(key, $"environment variable '{name}' (from ${{ENV:{name}}}) is not set");
    }
}
