package io.trino.spi.exchange;

import io.trino.spi.exchange.ExchangeSourceOutputSelector.Selection;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static io.trino.spi.exchange.ExchangeSourceOutputSelector.Selection.EXCLUDED;
import static io.trino.spi.exchange.ExchangeSourceOutputSelector.Selection.INCLUDED;
import static io.trino.spi.exchange.ExchangeSourceOutputSelector.Selection.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stub's builder behaves as the engine's (contract note, "How the engine's Builder behaves"). */
class TestExchangeSourceOutputSelectorBuilder
{
    private static final ExchangeId FIRST = new ExchangeId("first");
    private static final ExchangeId SECOND = new ExchangeId("second");

    @Test
    void decisionsNeedNoPartitionCount_andANonFinalSliceEndsAtTheHighestDecidedTaskPartition()
    {
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST, SECOND));
        ExchangeSourceOutputSelector selector = builder.include(FIRST, 3, 1).exclude(FIRST, 1).build();

        assertFalse(selector.isFinal());
        assertEquals(4, selector.getValues().get(FIRST).length());
        assertEquals(0, selector.getValues().get(SECOND).length());
        assertEquals(INCLUDED, selector.getSelection(FIRST, 3, 1));
        assertEquals(EXCLUDED, selector.getSelection(FIRST, 3, 0));
        assertEquals(EXCLUDED, selector.getSelection(FIRST, 1, 0));
        assertEquals(UNKNOWN, selector.getSelection(FIRST, 0, 0));
        assertEquals(UNKNOWN, selector.getSelection(FIRST, 7, 0));
        assertEquals(UNKNOWN, selector.getSelection(SECOND, 0, 0));
    }

    @Test
    void versionsCountUpPerBuild()
    {
        ExchangeSourceOutputSelector.Builder builder = ExchangeSourceOutputSelector.builder(Set.of(FIRST));
        assertEquals(0, builder.build().getVersion());
        assertEquals(1, builder.include(FIRST, 0, 0).build().getVersion());
    }

    @Test
    void aDecisionCannotChange()
    {
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST)).include(FIRST, 0, 2).exclude(FIRST, 1);

        assertThrows(IllegalArgumentException.class, () -> builder.exclude(FIRST, 0));
        assertThrows(IllegalArgumentException.class, () -> builder.include(FIRST, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> builder.include(FIRST, 1, 0));
        assertEquals(INCLUDED, builder.build().getSelection(FIRST, 0, 2));
    }

    @Test
    void anExchangeNotInTheSet_isRejected()
    {
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST));

        assertThrows(IllegalArgumentException.class, () -> builder.include(SECOND, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> builder.exclude(SECOND, 0));
        assertThrows(IllegalArgumentException.class, () -> builder.setPartitionCount(SECOND, 1));
    }

    @Test
    void partitionCountIsSetOncePerExchange()
    {
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST, SECOND)).setPartitionCount(FIRST, 2);

        assertThrows(IllegalStateException.class, () -> builder.setPartitionCount(FIRST, 2));
        builder.setPartitionCount(SECOND, 1);
    }

    @Test
    void setFinal_needsTheCountOfEverySourceExchange()
    {
        ExchangeSourceOutputSelector.Builder builder = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST, SECOND)).setPartitionCount(FIRST, 1);

        assertThrows(IllegalStateException.class, builder::setFinal);
    }

    @Test
    void aFinalSelectorHoldsExactlyTheCount_everyEntryDecided()
    {
        ExchangeSourceOutputSelector selector = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST))
                .include(FIRST, 1, 0)
                .exclude(FIRST, 0)
                .setPartitionCount(FIRST, 2)
                .setFinal()
                .build();

        assertTrue(selector.isFinal());
        assertEquals(2, selector.getValues().get(FIRST).length());
        assertEquals(INCLUDED, selector.getSelection(FIRST, 1, 0));
        assertEquals(EXCLUDED, selector.getSelection(FIRST, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> selector.getSelection(FIRST, 2, 0));
    }

    @Test
    void aFinalSelectorWithAnUndecidedTaskPartition_isNotBuilt()
    {
        ExchangeSourceOutputSelector.Builder undecided = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST))
                .include(FIRST, 1, 0)
                .setPartitionCount(FIRST, 3)
                .setFinal();
        ExchangeSourceOutputSelector.Builder beyondTheCount = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST))
                .include(FIRST, 0, 0)
                .include(FIRST, 1, 0)
                .setPartitionCount(FIRST, 1)
                .setFinal();

        assertThrows(IllegalStateException.class, undecided::build);
        assertThrows(IllegalStateException.class, beyondTheCount::build);
    }

    @Test
    void selectionsOfAnExchangeMissingFromAFinalSelector_areAnError()
    {
        ExchangeSourceOutputSelector selector = new ExchangeSourceOutputSelector.Builder(Set.of(FIRST))
                .exclude(FIRST, 0)
                .setPartitionCount(FIRST, 1)
                .setFinal()
                .build();

        assertThrows(IllegalArgumentException.class, () -> selector.getSelection(SECOND, 0, 0));
        assertEquals(Selection.EXCLUDED, selector.getSelection(FIRST, 0, 0));
    }
}
