using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.ContractTests.Storage;

/// <summary>A failure a storage server (or the way to it) can show a backend.</summary>
public enum StorageFault
{
    /// <summary>Nothing listens at the endpoint.</summary>
    ConnectionRefused,
    /// <summary>A 5xx answer to every attempt.</summary>
    ServerError,
    /// <summary>403: the credentials may not do this.</summary>
    Forbidden,
    /// <summary>404: the object, or the upload being written, is gone.</summary>
    NotFound,
    /// <summary>416: a ranged read past the object's end (the object is shorter than it was).</summary>
    RangeNotSatisfiable,
    /// <summary>No answer within the request timeout.</summary>
    Timeout,
}

/// <summary>What the backend was doing when the fault hit.</summary>
public enum StorageOperation
{
    /// <summary>Writing a file of several upload units (parts, blocks) and completing it.</summary>
    Write,
    /// <summary>Reading a completed file of several read windows from start to end.</summary>
    Read,
}

/// <summary>
/// Every failure kind on every backend ends as a <see cref="SpoolException"/> with the reason the
/// server maps to its gRPC status, and a message naming the file and the storage's own error: never
/// as an exception of the storage SDK, which a client would see as a bare INTERNAL. A backend runs
/// the table by deriving from this class and saying how to inject each fault and what its error
/// text is.
/// </summary>
public abstract class StorageFaultTests : IAsyncLifetime
{
    /// <summary>Spans three read windows or upload parts of the backends' smallest sizes (5MB on S3).</summary>
    protected const int FileSize = 12 * 1024 * 1024 + 123;

    protected static readonly StoragePath File = new(0, "faults/0_0.data");

    private static readonly byte[] Content = RandomNumberGenerator.GetBytes(FileSize);

    public static TheoryData<StorageFault, StorageOperation, SpoolErrorReason> Cases => new()
    {
        { StorageFault.ConnectionRefused, StorageOperation.Write, SpoolErrorReason.StorageUnavailable },
        { StorageFault.ConnectionRefused, StorageOperation.Read, SpoolErrorReason.StorageUnavailable },
        { StorageFault.ServerError, StorageOperation.Write, SpoolErrorReason.StorageUnavailable },
        { StorageFault.ServerError, StorageOperation.Read, SpoolErrorReason.StorageUnavailable },
        { StorageFault.Forbidden, StorageOperation.Write, SpoolErrorReason.StorageAccessDenied },
        { StorageFault.Forbidden, StorageOperation.Read, SpoolErrorReason.StorageAccessDenied },
        { StorageFault.NotFound, StorageOperation.Write, SpoolErrorReason.StorageUnavailable },
        { StorageFault.NotFound, StorageOperation.Read, SpoolErrorReason.DataLoss },
        { StorageFault.RangeNotSatisfiable, StorageOperation.Read, SpoolErrorReason.DataLoss },
        { StorageFault.Timeout, StorageOperation.Write, SpoolErrorReason.StorageUnavailable },
        { StorageFault.Timeout, StorageOperation.Read, SpoolErrorReason.StorageUnavailable },
    };

    private readonly List<IExchangeStorage> _storages = [];

    public abstract Task InitializeAsync();

    /// <summary>Disposes every storage <see cref="Tracked"/> made; a backend disposes its own servers after this.</summary>
    public virtual async Task DisposeAsync()
    {
        foreach (var storage in _storages)
            await storage.DisposeAsync();
    }

    /// <summary>A storage the test made, to be disposed when it ends.</summary>
    protected T Tracked<T>(T storage) where T : IExchangeStorage
    {
        _storages.Add(storage);
        return storage;
    }

    /// <summary>A loopback port that was free a moment ago and has no listener now.</summary>
    protected static Uri RefusingEndpoint()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fault_FailsTheOperation_WithItsReason_NamingTheFileAndTheStorageError(StorageFault fault, StorageOperation operation, SpoolErrorReason reason)
    {
        if (operation == StorageOperation.Read)
            await WriteAsync(Storage(fault: null));
        var storage = Storage(fault);
        Inject(fault, operation);

        var error = await Assert.ThrowsAsync<SpoolException>(() => operation == StorageOperation.Write ? WriteAsync(storage) : ReadAsync(storage));

        Assert.Equal(reason, error.Reason);
        Assert.Contains(File.RelativePath, error.Message);
        Assert.Contains(ExpectedError(fault, operation), error.Message);
    }

    /// <summary>The cases of <see cref="Cases"/> that are storage errors rather than data loss.</summary>
    public static TheoryData<StorageFault, StorageOperation> StorageErrorCases()
    {
        var data = new TheoryData<StorageFault, StorageOperation>();
        foreach (var row in Cases)
        {
            if ((SpoolErrorReason)row[2] != SpoolErrorReason.DataLoss)
                data.Add((StorageFault)row[0], (StorageOperation)row[1]);
        }
        return data;
    }

    /// <summary>
    /// A fault that fails an operation once retries are spent counts one storage error, which
    /// exchangespool_storage_errors_total exports (a missing file is data loss, not a storage error).
    /// </summary>
    [Theory]
    [MemberData(nameof(StorageErrorCases))]
    public async Task Fault_ThatFailsAnOperation_IsCountedAsAStorageError(StorageFault fault, StorageOperation operation)
    {
        if (operation == StorageOperation.Read)
            await WriteAsync(Storage(fault: null));
        var storage = Storage(fault);
        Inject(fault, operation);

        await Assert.ThrowsAsync<SpoolException>(() => operation == StorageOperation.Write ? WriteAsync(storage) : ReadAsync(storage));

        Assert.True(Counted(storage, StorageRequestCounters.ErrorsName) >= 1, $"{fault} on {operation} was not counted in {StorageRequestCounters.ErrorsName}");
    }

    /// <summary>
    /// A request the store does not answer is exported as in flight (exchangespool_storage_requests_in_flight)
    /// while it waits, and no longer once its timeout ended it: the gauge goes back to 0, or a busy
    /// server would show requests that are long gone.
    /// </summary>
    [Theory]
    [InlineData(StorageOperation.Write)]
    [InlineData(StorageOperation.Read)]
    public async Task RequestTheStoreDoesNotAnswer_IsInFlightUntilItsTimeoutEndsIt(StorageOperation operation)
    {
        if (operation == StorageOperation.Read)
            await WriteAsync(Storage(fault: null));
        var storage = Storage(StorageFault.Timeout);
        Inject(StorageFault.Timeout, operation);

        var failing = operation == StorageOperation.Write ? WriteAsync(storage) : ReadAsync(storage);
        await EngineDriver.WaitUntilAsync(() => Task.FromResult(failing.IsCompleted || Counted(storage, StorageRequestCounters.InFlightName) >= 1));
        Assert.False(failing.IsCompleted, "the operation ended before a request was seen in flight");

        await Assert.ThrowsAsync<SpoolException>(() => failing);
        Assert.Equal(0, Counted(storage, StorageRequestCounters.InFlightName));
    }

    /// <summary>
    /// The storage to run <paramref name="fault"/> on: one whose endpoint refuses connections for
    /// <see cref="StorageFault.ConnectionRefused"/>, else one reaching the server through the fault
    /// injector (with no fault yet); null: one to prepare a file with.
    /// </summary>
    protected abstract IExchangeStorage Storage(StorageFault? fault);

    /// <summary>Makes the requests of <paramref name="operation"/> on <see cref="File"/> fail with <paramref name="fault"/> from now on (for a read, those after its first window where the fault needs a file that exists).</summary>
    protected abstract void Inject(StorageFault fault, StorageOperation operation);

    /// <summary>The text the failure's message must hold besides the file: the backend's operation and error code.</summary>
    protected abstract string ExpectedError(StorageFault fault, StorageOperation operation);

    /// <summary>The sum of an instrument of the storage's over all its tags, read through its meters as an exporter reads it.</summary>
    private static long Counted(IExchangeStorage storage, string instrumentName)
    {
        long total = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listening) =>
            {
                if (storage.Meters.Contains(instrument.Meter) && instrument.Name == instrumentName)
                    listening.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => total += value);
        listener.Start();
        listener.RecordObservableInstruments();
        return total;
    }

    private static async Task WriteAsync(IExchangeStorage storage)
    {
        await using var writer = await storage.CreateFileAsync(File, CancellationToken.None);
        for (var offset = 0; offset < FileSize; offset += 1024 * 1024)
            await writer.WriteAsync(Content.AsMemory(offset, Math.Min(1024 * 1024, FileSize - offset)), CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);
    }

    private static async Task ReadAsync(IExchangeStorage storage)
    {
        await using var reader = await storage.OpenFileAsync(File, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < reader.Length; offset += buffer.Length)
            await reader.ReadAsync(offset, buffer, CancellationToken.None);
    }
}
