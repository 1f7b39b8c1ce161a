namespace ExchangeSpool.Client;

/// <summary>
/// Which attempt of each sink a source may read, per exchange, as Trino's engine decides it: one
/// byte per task partition, the chosen attempt (0..127), <see cref="Excluded"/> or <see cref="Unknown"/>.
/// Only the highest version counts; a final selector decides every sink.
/// </summary>
public sealed class OutputSelector(int version, IReadOnlyDictionary<string, sbyte[]> values, bool isFinal)
{
    public const sbyte Excluded = -2;
    public const sbyte Unknown = -3;

    public int Version { get; } = version;

    public bool IsFinal { get; } = isFinal;

    /// <summary>Per exchange id, one byte per sink.</summary>
    public IReadOnlyDictionary<string, sbyte[]> Values { get; } = values;

    /// <summary>Builds a selector the way the engine does: include or exclude sinks, then build.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, sbyte[]> _values = [];
        private int _version;
        private bool _final;

        public Builder SetPartitionCount(string exchangeId, int sinkCount)
        {
            var values = new sbyte[sinkCount];
            Array.Fill(values, Unknown);
            _values[exchangeId] = values;
            return this;
        }

        public Builder Include(string exchangeId, int sinkId, int attemptId)
        {
            _values[exchangeId][sinkId] = checked((sbyte)attemptId);
            return this;
        }

        public Builder Exclude(string exchangeId, int sinkId)
        {
            _values[exchangeId][sinkId] = Excluded;
            return this;
        }

        public Builder SetFinal()
        {
            _final = true;
            return this;
        }

        public OutputSelector Build() =>
            new(_version++, _values.ToDictionary(v => v.Key, v => (sbyte[])v.Value.Clone()), _final);
    }
}
