package io.exchangespool.trino;

import io.exchangespool.protocol.v1.CloseExchangeRequest;
import io.exchangespool.protocol.v1.CloseExchangeResponse;
import io.exchangespool.protocol.v1.WinningAttempt;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeId;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSinkInstanceHandle;
import io.trino.spi.exchange.ExchangeSourceHandleSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * The coordinator's side of one exchange. The server keeps no exchange state, so this keeps the
 * small state of the exchange: its sinks and, per sink, the first attempt reported finished (the one
 * whose data is read; later reports of the same sink are duplicates of identical data). Handles for
 * sinks are computed here without I/O; source handles are planned by the server from the winners.
 *
 * <p>It reports no metrics ({@code getMetrics()} stays the SPI's empty default): the engine writes
 * every metric to JSON with its class name and loads that class by name when it reads it back,
 * which fails for a class only this plugin's class loader holds. The server's Prometheus metrics
 * carry the figures instead.
 */
final class SpoolExchange
        implements Exchange
{
    private final SpoolServerClient client;
    private final ExchangeId exchangeId;
    private final SpoolExchangeDescriptor descriptor;
    private final AtomicBoolean closed = new AtomicBoolean();

    // guarded by this
    private final Set<Integer> sinks = new HashSet<>();
    private final Map<Integer, Integer> winners = new LinkedHashMap<>();
    private final Set<Integer> plannedSinks = new HashSet<>();
    private boolean noMoreSinks;
    private boolean allRequiredSinksFinished;
    private boolean lastPlanTaken;
    private SourceHandlesDeliveryMode deliveryMode = SourceHandlesDeliveryMode.STANDARD;
    private SpoolExchangeSourceHandleSource sourceHandleSource;

    SpoolExchange(SpoolServerClient client, ExchangeId exchangeId, SpoolExchangeDescriptor descriptor)
    {
        this.client = requireNonNull(client, "client is null");
        this.exchangeId = requireNonNull(exchangeId, "exchangeId is null");
        this.descriptor = requireNonNull(descriptor, "descriptor is null");
    }

    @Override
    public ExchangeId getId()
    {
        return exchangeId;
    }

    @Override
    public synchronized ExchangeSinkHandle addSink(int taskPartitionId)
    {
        if (noMoreSinks) {
            throw new IllegalStateException("%s: addSink(%s) after noMoreSinks".formatted(descriptor, taskPartitionId));
        }
        sinks.add(taskPartitionId);
        return new SpoolExchangeSinkHandle(taskPartitionId);
    }

    @Override
    public synchronized void noMoreSinks()
    {
        noMoreSinks = true;
    }

    @Override
    public CompletableFuture<ExchangeSinkInstanceHandle> instantiateSink(ExchangeSinkHandle sinkHandle, int taskAttemptId)
    {
        return CompletableFuture.completedFuture(new SpoolExchangeSinkInstanceHandle(descriptor, sinkId(sinkHandle), taskAttemptId));
    }

    /** Our instance handles never change, so the engine never has to ask; answered the same anyway. */
    @Override
    public CompletableFuture<ExchangeSinkInstanceHandle> updateSinkInstanceHandle(ExchangeSinkHandle sinkHandle, int taskAttemptId)
    {
        return instantiateSink(sinkHandle, taskAttemptId);
    }

    @Override
    public void sinkFinished(ExchangeSinkHandle sinkHandle, int taskAttemptId)
    {
        synchronized (this) {
            winners.putIfAbsent(sinkId(sinkHandle), taskAttemptId);
        }
        planIfWaiting();
    }

    @Override
    public void allRequiredSinksFinished()
    {
        synchronized (this) {
            allRequiredSinksFinished = true;
        }
        planIfWaiting();
    }

    @Override
    public void setSourceHandlesDeliveryMode(SourceHandlesDeliveryMode sourceHandlesDeliveryMode)
    {
        synchronized (this) {
            deliveryMode = requireNonNull(sourceHandlesDeliveryMode, "sourceHandlesDeliveryMode is null");
        }
        planIfWaiting();
    }

    @Override
    public synchronized ExchangeSourceHandleSource getSourceHandles()
    {
        if (sourceHandleSource == null) {
            sourceHandleSource = new SpoolExchangeSourceHandleSource(client, this, descriptor);
        }
        return sourceHandleSource;
    }

    /**
     * The winners to plan next, or null when there is nothing to plan yet. With STANDARD delivery
     * everything is planned once all required sinks finished; with EAGER delivery the sinks that
     * finished so far are planned at once, and the rest when all required sinks finished.
     */
    synchronized SourcePlan takePlan()
    {
        if (lastPlanTaken || (!allRequiredSinksFinished && deliveryMode != SourceHandlesDeliveryMode.EAGER)) {
            return null;
        }
        List<WinningAttempt> unplanned = new ArrayList<>();
        winners.forEach((sink, attempt) -> {
            if (plannedSinks.add(sink)) {
                unplanned.add(WinningAttempt.newBuilder().setSinkId(sink).setAttemptId(attempt).build());
            }
        });
        if (unplanned.isEmpty() && !allRequiredSinksFinished) {
            return null;
        }
        lastPlanTaken = allRequiredSinksFinished;
        return new SourcePlan(unplanned, allRequiredSinksFinished);
    }

    /** Asks the server to delete everything the exchange wrote; does not wait for it. */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        SpoolExchangeSourceHandleSource handleSource;
        synchronized (this) {
            handleSource = sourceHandleSource;
        }
        if (handleSource != null) {
            handleSource.close();
        }
        CloseExchangeRequest request = CloseExchangeRequest.newBuilder().setExchange(descriptor.descriptor().getExchange()).build();
        client.<CloseExchangeResponse>unary("CloseExchange", (stub, observer) -> stub.closeExchange(request, observer));
    }

    private void planIfWaiting()
    {
        SpoolExchangeSourceHandleSource handleSource;
        synchronized (this) {
            handleSource = sourceHandleSource;
        }
        if (handleSource != null) {
            handleSource.planIfWaiting();
        }
    }

    private synchronized int sinkId(ExchangeSinkHandle sinkHandle)
    {
        int sinkId = ((SpoolExchangeSinkHandle) sinkHandle).getTaskPartitionId();
        if (!sinks.contains(sinkId)) {
            throw new IllegalArgumentException("%s: sink %s was never added".formatted(descriptor, sinkId));
        }
        return sinkId;
    }

    /** Winners to plan in one PlanSourceHandles call; {@code last} ends the exchange's batches. */
    record SourcePlan(List<WinningAttempt> winners, boolean last) {}
}
