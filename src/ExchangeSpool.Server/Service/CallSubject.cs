using ExchangeSpool.Core;
using Grpc.Core;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// What a call works on (an exchange; for a sink its sink and attempt ids; for a source its
/// exchanges and partitions), recorded on the call once its request is read, so that a failure
/// logged when the call ends names the work it lost. Once per call, never per page.
/// </summary>
internal sealed record CallSubject(string ExchangeIds, int? SinkId = null, int? AttemptId = null, string? Partitions = null)
{
    private static readonly object UserStateKey = new();

    public static void Record(ServerCallContext call, ExchangeKey exchange) => call.UserState[UserStateKey] = new CallSubject(exchange.ToString());

    public static void RecordSink(ServerCallContext call, ExchangeKey exchange, int sinkId, int attemptId) =>
        call.UserState[UserStateKey] = new CallSubject(exchange.ToString(), sinkId, attemptId);

    public static void RecordSource(ServerCallContext call, IEnumerable<ExchangeKey> exchanges, IEnumerable<int> partitions) =>
        call.UserState[UserStateKey] = new CallSubject(string.Join(",", exchanges), Partitions: string.Join(",", partitions.Distinct()));

    /// <summary>The subject recorded on <paramref name="call"/>, or null when it failed before its request named one.</summary>
    public static CallSubject? Of(ServerCallContext call) =>
        call.UserState.TryGetValue(UserStateKey, out var subject) ? (CallSubject)subject : null;
}
