using BenchmarkDotNet.Running;

namespace ExchangeSpool.Benchmarks;

/// <summary>
/// Micro benchmarks of the spool's data path. Run from the repository root with
/// <c>dotnet run -c Release --project benchmarks/ExchangeSpool.Benchmarks -- --filter '*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
