namespace ExchangeSpool.Bench;

/// <summary>
/// Something whose throughput is measured in rounds: set up and warmed up when created, then one
/// measured write-and-read round per call.
/// </summary>
public interface IThroughputSubject
{
    Task<Directions> MeasureRoundAsync();
}

/// <summary>
/// Measures subjects in turn, round after round (A, B, C, A, B, C, ...), so that a figure and its
/// limit are measured next to each other in every repetition and the load of a shared machine
/// drifts over all of them alike rather than over whichever happened to run last.
/// </summary>
public static class Interleaving
{
    /// <returns>Each subject's rounds, in the order of <paramref name="subjects"/>.</returns>
    public static async Task<IReadOnlyList<RepeatedDirections>> MeasureAsync(IReadOnlyList<IThroughputSubject> subjects, int repetitions,
        IProgress<double>? progress = null)
    {
        var rounds = subjects.Select(_ => new List<Directions>()).ToArray();
        for (var repetition = 0; repetition < repetitions; repetition++)
        {
            for (var i = 0; i < subjects.Count; i++)
            {
                rounds[i].Add(await subjects[i].MeasureRoundAsync());
                progress?.Report((repetition * subjects.Count + i + 1) / (double)(repetitions * subjects.Count));
            }
        }
        return rounds.Select(RepeatedDirections.Of).ToList();
    }
}
