package io.trino.spi.exchange;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.airlift.slice.Slice;
import io.airlift.slice.Slices;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Stub with a working body of our own: which attempt of each task partition of each source
 * exchange may be read. One byte per task partition: the chosen attempt (0..127), -2 excluded,
 * -3 not decided yet. Built by the engine (and by tests) through {@link Builder}.
 */
public final class ExchangeSourceOutputSelector
{
    private static final byte EXCLUDED = -2;
    private static final byte UNKNOWN = -3;

    private final int version;
    private final Map<ExchangeId, Slice> values;
    private final boolean finalSelector;

    @JsonCreator
    public ExchangeSourceOutputSelector(
            @JsonProperty("version") int version,
            @JsonProperty("values") Map<ExchangeId, Slice> values,
            @JsonProperty("finalSelector") boolean finalSelector)
    {
        this.version = version;
        this.values = Map.copyOf(requireNonNull(values, "values is null"));
        this.finalSelector = finalSelector;
    }

    @JsonProperty
    public int getVersion()
    {
        return version;
    }

    @JsonProperty
    public Map<ExchangeId, Slice> getValues()
    {
        return values;
    }

    @JsonProperty("finalSelector")
    public boolean isFinal()
    {
        return finalSelector;
    }

    public Selection getSelection(ExchangeId exchangeId, int taskPartitionId, int attemptId)
    {
        Slice exchangeValues = values.get(exchangeId);
        byte value = exchangeValues == null || taskPartitionId >= exchangeValues.length() ? UNKNOWN : exchangeValues.getByte(taskPartitionId);
        if (value == UNKNOWN) {
            if (finalSelector) {
                throw new IllegalArgumentException("selection not found for exchange %s, task partition %s".formatted(exchangeId, taskPartitionId));
            }
            return Selection.UNKNOWN;
        }
        return value == attemptId ? Selection.INCLUDED : Selection.EXCLUDED;
    }

    public long getRetainedSizeInBytes()
    {
        return 64L + values.values().stream().mapToLong(Slice::getRetainedSize).sum();
    }

    public void checkValidTransition(ExchangeSourceOutputSelector newer)
    {
        if (version >= newer.version) {
            throw new IllegalArgumentException("version is expected to be greater than " + version + ": " + newer.version);
        }
        if (finalSelector) {
            throw new IllegalArgumentException("cannot transition from a final selector");
        }
    }

    public ExchangeSourceOutputSelector merge(ExchangeSourceOutputSelector other)
    {
        Map<ExchangeId, Slice> merged = new HashMap<>(values);
        merged.putAll(other.values);
        return new ExchangeSourceOutputSelector(Math.max(version, other.version), merged, finalSelector && other.finalSelector);
    }

    public static Builder builder(Set<ExchangeId> sourceExchanges)
    {
        return new Builder(sourceExchanges);
    }

    public enum Selection
    {
        INCLUDED,
        EXCLUDED,
        UNKNOWN
    }

    /**
     * Behaves as the engine's builder (Trino 476-483): decisions arrive as tasks finish and need no
     * partition count; each exchange's count and the final flag come at the end.
     */
    public static class Builder
    {
        private final Map<ExchangeId, Decisions> decisions = new HashMap<>();
        private final Map<ExchangeId, Integer> partitionCounts = new HashMap<>();
        private int nextVersion;
        private boolean finalSelector;

        public Builder(Set<ExchangeId> sourceExchanges)
        {
            requireNonNull(sourceExchanges, "sourceExchanges is null").forEach(exchangeId -> decisions.put(exchangeId, new Decisions()));
        }

        public Builder include(ExchangeId exchangeId, int taskPartitionId, int attemptId)
        {
            if (attemptId < 0 || attemptId > Byte.MAX_VALUE) {
                throw new IllegalArgumentException("attemptId out of range: " + attemptId);
            }
            decisionsOf(exchangeId).decide(taskPartitionId, (byte) attemptId);
            return this;
        }

        public Builder exclude(ExchangeId exchangeId, int taskPartitionId)
        {
            decisionsOf(exchangeId).decide(taskPartitionId, EXCLUDED);
            return this;
        }

        public Builder setPartitionCount(ExchangeId exchangeId, int count)
        {
            decisionsOf(exchangeId);
            if (partitionCounts.putIfAbsent(exchangeId, count) != null) {
                throw new IllegalStateException("partition count of exchange %s is already set".formatted(exchangeId));
            }
            return this;
        }

        public Builder setFinal()
        {
            for (ExchangeId exchangeId : decisions.keySet()) {
                if (!partitionCounts.containsKey(exchangeId)) {
                    throw new IllegalStateException("partition count of exchange %s is not set".formatted(exchangeId));
                }
            }
            finalSelector = true;
            return this;
        }

        /** Non-final: each exchange's decisions up to its highest decided task partition. Final: exactly the count, all decided. */
        public ExchangeSourceOutputSelector build()
        {
            Map<ExchangeId, Slice> slices = new HashMap<>();
            decisions.forEach((exchangeId, exchangeDecisions) -> slices.put(exchangeId, finalSelector
                    ? exchangeDecisions.toFinalSlice(exchangeId, partitionCounts.get(exchangeId))
                    : exchangeDecisions.toSlice()));
            return new ExchangeSourceOutputSelector(nextVersion++, slices, finalSelector);
        }

        private Decisions decisionsOf(ExchangeId exchangeId)
        {
            Decisions exchangeDecisions = decisions.get(exchangeId);
            if (exchangeDecisions == null) {
                throw new IllegalArgumentException("not a source exchange: " + exchangeId);
            }
            return exchangeDecisions;
        }
    }

    /** One byte per task partition of one exchange, grown as decisions arrive; UNKNOWN until decided. */
    private static final class Decisions
    {
        private byte[] values = new byte[0];
        private int decidedLength;

        void decide(int taskPartitionId, byte value)
        {
            if (taskPartitionId < 0) {
                throw new IllegalArgumentException("taskPartitionId is negative: " + taskPartitionId);
            }
            if (taskPartitionId >= values.length) {
                int oldLength = values.length;
                values = Arrays.copyOf(values, Math.max(taskPartitionId + 1, oldLength * 2));
                Arrays.fill(values, oldLength, values.length, UNKNOWN);
            }
            if (values[taskPartitionId] != UNKNOWN) {
                throw new IllegalArgumentException("decision for task partition %s is already made: %s".formatted(taskPartitionId, values[taskPartitionId]));
            }
            values[taskPartitionId] = value;
            decidedLength = Math.max(decidedLength, taskPartitionId + 1);
        }

        Slice toSlice()
        {
            return Slices.wrappedBuffer(Arrays.copyOf(values, decidedLength));
        }

        Slice toFinalSlice(ExchangeId exchangeId, int partitionCount)
        {
            if (decidedLength > partitionCount) {
                throw new IllegalStateException("exchange %s has a decision for task partition %s, beyond its partition count %s".formatted(exchangeId, decidedLength - 1, partitionCount));
            }
            byte[] slice = Arrays.copyOf(values, partitionCount);
            for (int taskPartitionId = 0; taskPartitionId < partitionCount; taskPartitionId++) {
                if (taskPartitionId >= decidedLength || slice[taskPartitionId] == UNKNOWN) {
                    throw new IllegalStateException("exchange %s has no decision for task partition %s".formatted(exchangeId, taskPartitionId));
                }
            }
            return Slices.wrappedBuffer(slice);
        }
    }
}
