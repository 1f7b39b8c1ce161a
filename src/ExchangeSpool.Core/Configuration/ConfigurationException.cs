namespace ExchangeSpool.Core.Configuration;

/// <summary>
/// Bad configuration. The message is one line, <c>subject: problem</c>, where the subject is the
/// setting key, the command-line option, the environment variable, or <c>file:line</c> for a
/// syntax error: the server prints it and stops, so it must say what to fix and where.
/// </summary>
public sealed class ConfigurationException(string subject, string problem)
    : Exception($"{subject}: {problem}")
{
    public string Subject { get; } = subject;

    public string Problem { get; } = problem;
}
