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

    public static class Builder
    {
        private final Set<ExchangeId> sourceExchanges;
        private final Map<ExchangeId, byte[]> values = new HashMap<>();
        private int nextVersion;
        private boolean finalSelector;

        private Builder(Set<ExchangeId> sourceExchanges)
        {
            this.sourceExchanges = Set.copyOf(requireNonNull(sourceExchanges, "sourceExchanges is null"));
        }

        public Builder include(ExchangeId exchangeId, int taskPartitionId, int attemptId)
        {
            if (attemptId < 0 || attemptId > Byte.MAX_VALUE) {
                throw new IllegalArgumentException("attemptId out of range: " + attemptId);
            }
            set(exchangeId, taskPartitionId, (byte) attemptId);
            return this;
        }

        public Builder exclude(ExchangeId exchangeId, int taskPartitionId)
        {
            set(exchangeId, taskPartitionId, EXCLUDED);
            return this;
        }

        public Builder setPartitionCount(ExchangeId exchangeId, int count)
        {
            checkSource(exchangeId);
            byte[] partitions = values.get(exchangeId);
            byte[] resized = partitions == null ? new byte[count] : Arrays.copyOf(partitions, count);
            Arrays.fill(resized, partitions == null ? 0 : Math.min(partitions.length, count), count, UNKNOWN);
            values.put(exchangeId, resized);
            return this;
        }

        public Builder setFinal()
        {
            finalSelector = true;
            return this;
        }

        public ExchangeSourceOutputSelector build()
        {
            Map<ExchangeId, Slice> slices = new HashMap<>();
            values.forEach((exchangeId, partitions) -> slices.put(exchangeId, Slices.wrappedBuffer(partitions.clone())));
            return new ExchangeSourceOutputSelector(nextVersion++, slices, finalSelector);
        }

        private void set(ExchangeId exchangeId, int taskPartitionId, byte value)
        {
            checkSource(exchangeId);
            byte[] partitions = values.get(exchangeId);
            if (partitions == null || taskPartitionId >= partitions.length) {
                throw new IllegalArgumentException("partition count of exchange %s not set or too small for task partition %s".formatted(exchangeId, taskPartitionId));
            }
            partitions[taskPartitionId] = value;
        }

        private void checkSource(ExchangeId exchangeId)
        {
            if (!sourceExchanges.contains(exchangeId)) {
                throw new IllegalArgumentException("not a source exchange: " + exchangeId);
            }
        }
    }
}
