using System.Runtime.InteropServices;
using ExchangeSpool.Bench;
using Spectre.Console;

// Since .NET 10 the runtime leaves SIGTERM to the operating system, which ends the process at once
// without ProcessExit; the child processes the harness started (spool servers, Azurite, the gateway's
// daemons) kill themselves on ProcessExit, so a harness stopped by timeout or kill exits through it.
using var stopped = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    Environment.Exit(128 + 15);
});
return await BenchRunner.RunAsync(args, AnsiConsole.Console);
