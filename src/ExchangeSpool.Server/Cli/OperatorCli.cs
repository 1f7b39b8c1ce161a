using System.Globalization;
using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Server.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace ExchangeSpool.Server.Cli;

/// <summary>
/// <c>exchange-spool exchanges list|du|verify|delete|sweep</c> and <c>exchange-spool keygen</c>: what an
/// operator asks of the storage, with the server's configuration (the same <c>--config</c> file,
/// environment and <c>--key=value</c> options), its storage built as the server builds it. Exit codes:
/// 0 done, 1 findings (damaged files) or a failure, 2 a usage or configuration error; each with one line.
/// </summary>
public static class OperatorCli
{
    public const string ExchangesCommand = "exchanges";
    public const string KeygenCommand = "keygen";

    private const string Usage =
        "usage: exchanges list|du|verify EXCHANGE|delete EXCHANGE|sweep --older-than DURATION [--dry-run] [--config FILE] [--KEY=VALUE ...], or keygen";

    /// <summary>Whether the command line asks for the CLI rather than the server.</summary>
    public static bool Handles(IReadOnlyList<string> args) => args is [ExchangesCommand or KeygenCommand, ..];

    public static async Task<int> RunAsync(string programName, IReadOnlyList<string> args, Func<string, string?> environment, IAnsiConsole console)
    {
        // Redirected output (scripts, tests) gets Spectre's 80 columns, too narrow for the tables.
        if (!console.Profile.Capabilities.Interactive && console.Profile.Width < 160)
            console.Profile.Width = 160;
        try
        {
            if (args is [KeygenCommand])
            {
                console.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyRing.KeySize)));
                return 0;
            }
            var command = CliCommand.Parse(args);
            var configuration = ServerConfiguration.Load(command.ServerArguments, environment) switch
            {
                RunServer run => run.Configuration,
                _ => throw new CliUsageException("--help and --version are the server's options; the exchanges commands take none"),
            };
            await using var storage = configuration.Storage.Create(configuration.Spool.BaseDirectories, configuration.Options,
                new StorageContext(SpoolContext.CreateBudget(configuration.Spool), TimeProvider.System, NullLoggerFactory.Instance));
            var context = new SpoolContext(configuration.Spool, storage, configuration.Encryption.ToKeyRing());
            return await new CliRun(context, console).RunAsync(command, CancellationToken.None);
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine($"{programName}: {e.Message} ({Usage})");
            return 2;
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine($"{programName}: configuration error: {e.Message}");
            return 2;
        }
        catch (SpoolException e)
        {
            Console.Error.WriteLine($"{programName}: {e.Message}");
            return 1;
        }
    }
}

/// <summary>A command line the CLI refuses: one line saying why, then the usage; exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>The parsed CLI command line; what it does not know (<c>--config</c>, settings) goes to the server's configuration.</summary>
internal sealed record CliCommand(string Verb, ExchangeKey? Exchange, TimeSpan? OlderThan, bool DryRun, IReadOnlyList<string> ServerArguments)
{
    public static CliCommand Parse(IReadOnlyList<string> args)
    {
        if (args.Count < 2 || args[0] != OperatorCli.ExchangesCommand || args[1].StartsWith("--", StringComparison.Ordinal))
            throw new CliUsageException(args is [OperatorCli.KeygenCommand, ..] ? "keygen takes no arguments" : "which exchanges command? list, du, verify, delete or sweep");
        var verb = args[1];
        var rest = args.Skip(2).ToArray();
        ExchangeKey? exchange = null;
        TimeSpan? olderThan = null;
        var dryRun = false;
        var server = new List<string>();
        for (var i = 0; i < rest.Length; i++)
        {
            var argument = rest[i];
            if (argument == "--dry-run")
                dryRun = true;
            else if (argument == "--older-than" || argument.StartsWith("--older-than=", StringComparison.Ordinal))
                olderThan = ParseAge(argument.Contains('=') ? argument[(argument.IndexOf('=') + 1)..] : ++i < rest.Length ? rest[i] : "");
            else if (!argument.StartsWith("--", StringComparison.Ordinal) && exchange is null)
                exchange = ParseExchange(argument);
            else if (!argument.StartsWith("--", StringComparison.Ordinal))
                throw new CliUsageException($"unexpected argument '{argument}'");
            else
            {
                server.Add(argument);
                // The server's options take their value as the next argument unless they have '='.
                if (!argument.Contains('=') && i + 1 < rest.Length && !rest[i + 1].StartsWith("--", StringComparison.Ordinal))
                    server.Add(rest[++i]);
            }
        }
        var command = new CliCommand(verb, exchange, olderThan, dryRun, server);
        command.Check();
        return command;
    }

    private void Check()
    {
        var takesExchange = Verb is "verify" or "delete";
        if (Verb is not ("list" or "du" or "verify" or "delete" or "sweep"))
            throw new CliUsageException($"unknown exchanges command '{Verb}'; the commands are list, du, verify, delete, sweep");
        if (takesExchange && Exchange is null)
            throw new CliUsageException($"exchanges {Verb} needs the exchange, as QUERY_ID.EXCHANGE_ID");
        if (!takesExchange && Exchange is not null)
            throw new CliUsageException($"exchanges {Verb} takes no exchange");
        if (Verb == "sweep" && OlderThan is null)
            throw new CliUsageException("exchanges sweep needs --older-than DURATION (e.g. 6h)");
        if (Verb != "sweep" && (OlderThan is not null || DryRun))
            throw new CliUsageException($"--older-than and --dry-run are options of exchanges sweep, not of exchanges {Verb}");
    }

    private static TimeSpan ParseAge(string text) =>
        Duration.TryParse(text, out var age) && age > TimeSpan.Zero
            ? age
            : throw new CliUsageException($"--older-than '{text}' is not a positive duration (e.g. {Duration.Examples})");

    private static ExchangeKey ParseExchange(string text)
    {
        var parts = text.Split('.');
        try
        {
            return parts.Length == 2 ? new ExchangeKey(parts[0], parts[1]).Validated() : throw new CliUsageException($"exchange '{text}' is not QUERY_ID.EXCHANGE_ID");
        }
        catch (SpoolException e)
        {
            throw new CliUsageException($"exchange '{text}': {e.Message}");
        }
    }
}

/// <summary>One CLI command against one storage.</summary>
internal sealed class CliRun(SpoolContext context, IAnsiConsole console)
{
    private readonly ExchangeInventory _inventory = new(context);

    public Task<int> RunAsync(CliCommand command, CancellationToken cancellationToken) => command.Verb switch
    {
        "list" => ListAsync(cancellationToken),
        "du" => DiskUsageAsync(cancellationToken),
        "verify" => VerifyAsync(command.Exchange!.Value, cancellationToken),
        "delete" => DeleteAsync(command.Exchange!.Value, cancellationToken),
        _ => SweepAsync(command.OlderThan!.Value, command.DryRun, cancellationToken),
    };

    private async Task<int> ListAsync(CancellationToken cancellationToken)
    {
        var now = context.Activity.Clock.GetUtcNow();
        var ttl = context.Options.OrphanTtl;
        var table = new Table().AddColumns("exchange", "query", "age", "size", "attempts", "committed sinks", "state");
        foreach (var exchange in await _inventory.ExchangesAsync(cancellationToken))
        {
            var summary = await _inventory.DescribeAsync(exchange, cancellationToken);
            var age = summary.LastActivity is { } last ? now - last : (TimeSpan?)null;
            var state = summary.Closed ? "closed" : ttl > TimeSpan.Zero && (age is null || age > ttl) ? "orphan" : "open";
            table.AddRow(Markup.Escape(exchange.ToString()), Markup.Escape(exchange.QueryId), age is { } a ? FormatAge(a) : "unknown",
                FormatBytes(summary.Bytes), summary.Attempts.Count.ToString(CultureInfo.InvariantCulture),
                summary.CommittedSinks.ToString(CultureInfo.InvariantCulture), state);
        }
        console.Write(table);
        return 0;
    }

    private async Task<int> DiskUsageAsync(CancellationToken cancellationToken)
    {
        var exchanges = await _inventory.ExchangesAsync(cancellationToken);
        var summaries = new List<ExchangeSummary>();
        await console.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask("measuring exchanges", maxValue: Math.Max(1, exchanges.Count));
            foreach (var exchange in exchanges)
            {
                summaries.Add(await _inventory.DescribeAsync(exchange, cancellationToken));
                task.Increment(1);
            }
        });
        var table = new Table().AddColumns("exchange", "bytes", "size");
        foreach (var summary in summaries.OrderByDescending(summary => summary.Bytes))
            table.AddRow(Markup.Escape(summary.Key.ToString()), summary.Bytes.ToString(CultureInfo.InvariantCulture), FormatBytes(summary.Bytes));
        var total = summaries.Sum(summary => summary.Bytes);
        table.AddRow("total", total.ToString(CultureInfo.InvariantCulture), FormatBytes(total));
        console.Write(table);
        return 0;
    }

    /// <summary>Reads and checks every block of every committed file; exit 1 when any file is damaged or cannot be read with the configured keys.</summary>
    private async Task<int> VerifyAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        var committed = (await _inventory.AttemptsAsync(exchange, cancellationToken)).Where(attempt => attempt.Manifest is not null).ToList();
        if (committed.Count == 0)
        {
            console.WriteLine($"exchange {exchange} has no committed attempt in {string.Join(", ", context.Storage.BaseDirectories)}");
            return 1;
        }
        var salt = await context.Activity.ReadSaltAsync(exchange, cancellationToken) ?? [];
        var partitions = committed.SelectMany(attempt => attempt.Manifest!.Files).Max(file => file.PartitionId) + 1;
        var spec = new ExchangeSpec(exchange, partitions, false, salt);
        var findings = new List<(string Kind, string Problem)>();
        var files = 0;
        await console.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask($"verifying {exchange}", maxValue: Math.Max(1, committed.Sum(attempt => attempt.Manifest!.Files.Count)));
            foreach (var attempt in committed)
            {
                foreach (var file in attempt.Manifest!.Files)
                {
                    if (await CheckFileAsync(spec, attempt, file, cancellationToken) is { } finding)
                        findings.Add(finding);
                    files++;
                    task.Increment(1);
                }
            }
        });
        foreach (var (kind, problem) in findings)
            console.WriteLine($"{kind}: {problem}");
        console.WriteLine($"exchange {exchange}: {files} committed files of {committed.Count} attempts read, " +
            $"{findings.Count(f => f.Kind == Damaged)} damaged, {findings.Count(f => f.Kind == Unreadable)} unreadable with the configured keys");
        return findings.Count == 0 ? 0 : 1;
    }

    private const string Damaged = "damaged";
    private const string Unreadable = "unreadable";

    /// <summary>Reads every block of one file as a source would (checksums, authentication, lengths); returns what is wrong, or null.</summary>
    private async Task<(string Kind, string Problem)?> CheckFileAsync(ExchangeSpec exchange, AttemptDirectory attempt, ManifestFile file, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await SpoolFileReader.OpenAsync(context, exchange, attempt.SinkId, attempt.AttemptId, file, cancellationToken);
            while (await reader.ReadBlockAsync(cancellationToken) is { } block)
                context.Pool.Return(block);
            return null;
        }
        catch (SpoolException e) when (e.Code == SpoolErrorCode.DataLoss)
        {
            return (Damaged, e.Message);
        }
        catch (SpoolException e) when (e.Reason == SpoolErrorReason.EncryptionKeyUnknown)
        {
            return (Unreadable, e.Message);
        }
    }

    private async Task<int> DeleteAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        // As a coordinator's close: the tombstone first, so no server writes to it, commits or plans it any more.
        await context.Tombstones.MarkClosedAsync(exchange, cancellationToken);
        await context.DeleteExchangeAsync(exchange, cancellationToken);
        console.WriteLine($"exchange {exchange} closed and deleted from {string.Join(", ", context.Storage.BaseDirectories)}");
        return 0;
    }

    private async Task<int> SweepAsync(TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken)
    {
        var sweep = await new OrphanSweeper(context).SweepAsync(olderThan, dryRun, cancellationToken);
        foreach (var exchange in sweep.Deleted)
            console.WriteLine(dryRun ? $"would delete {exchange}" : $"deleted {exchange}");
        foreach (var exchange in sweep.Revived)
            console.WriteLine($"kept {exchange}: used again while it was being swept (it is closed now)");
        foreach (var (exchange, error) in sweep.Failed)
            console.WriteLine($"failed {exchange}: {error.Message}");
        console.WriteLine($"{(dryRun ? "dry run: " : "")}{sweep.Deleted.Count} exchanges idle for more than {FormatAge(olderThan)}{(dryRun ? "" : " deleted")}, {sweep.Failed.Count} failed");
        return sweep.Failed.Count == 0 ? 0 : 1;
    }

    private static string FormatAge(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays}d{age.Hours}h" : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h{age.Minutes}m" : $"{(int)age.TotalMinutes}m{age.Seconds}s";

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
