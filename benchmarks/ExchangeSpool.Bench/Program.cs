using ExchangeSpool.Bench;
using Spectre.Console;

return await BenchRunner.RunAsync(args, AnsiConsole.Console);
