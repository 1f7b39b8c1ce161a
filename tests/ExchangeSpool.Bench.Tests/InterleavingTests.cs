namespace ExchangeSpool.Bench.Tests;

/// <summary>Subjects take turns round after round, so that a figure and its limit are measured next to each other.</summary>
public sealed class InterleavingTests
{
    [Fact]
    public async Task SubjectsTakeTurns_AndEachGetsOneRoundPerRepetition()
    {
        var order = new List<string>();
        var subjects = new[] { new Recording("limit", order), new Recording("off", order), new Recording("on", order) };

        var measured = await Interleaving.MeasureAsync(subjects, repetitions: 3);

        Assert.Equal(["limit", "off", "on", "limit", "off", "on", "limit", "off", "on"], order);
        Assert.All(measured, figures => Assert.Equal(3, figures.Write.Runs.Count));
        Assert.Equal([1, 2, 3], measured[1].Write.Runs.Select(run => run.Bytes));
    }

    [Fact]
    public async Task Progress_ReachesOneAfterTheLastRound()
    {
        var reported = new List<double>();
        var progress = new Synchronous(reported.Add);

        await Interleaving.MeasureAsync([new Recording("a", []), new Recording("b", [])], repetitions: 2, progress);

        Assert.Equal([0.25, 0.5, 0.75, 1.0], reported);
    }

    /// <summary>Records when it was measured; its n-th round moved n bytes.</summary>
    private sealed class Recording(string name, List<string> order) : IThroughputSubject
    {
        private int _rounds;

        public Task<Directions> MeasureRoundAsync()
        {
            order.Add(name);
            var round = new Throughput(++_rounds, 1);
            return Task.FromResult(new Directions(round, round));
        }
    }

    /// <summary>Unlike <see cref="Progress{T}"/>, reports on the caller's thread, so the test sees every report before it asserts.</summary>
    private sealed class Synchronous(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
