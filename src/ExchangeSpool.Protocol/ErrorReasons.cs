namespace ExchangeSpool.Protocol;

/// <summary>
/// The stable reasons of the google.rpc.ErrorInfo every failed call carries (listed with their status
/// codes in proto/exchange_spool.proto). Clients branch on these, never on message text.
/// </summary>
public static class ErrorReasons
{
    public const string Domain = "exchangespool.io";

    public const string InvalidRequest = "INVALID_REQUEST";
    public const string PageTooLarge = "PAGE_TOO_LARGE";
    public const string PartitionOutOfRange = "PARTITION_OUT_OF_RANGE";
    public const string TooManyPartitions = "TOO_MANY_PARTITIONS";
    public const string ExchangeNotFound = "EXCHANGE_NOT_FOUND";
    public const string ExchangeClosed = "EXCHANGE_CLOSED";
    public const string AttemptNotSelected = "ATTEMPT_NOT_SELECTED";
    public const string AttemptNotCommitted = "ATTEMPT_NOT_COMMITTED";
    public const string AttemptCommitted = "ATTEMPT_COMMITTED";
    public const string AttemptBusy = "ATTEMPT_BUSY";
    public const string AttemptAborted = "ATTEMPT_ABORTED";
    public const string EncryptionKeyUnknown = "ENCRYPTION_KEY_UNKNOWN";
    public const string DataLoss = "DATA_LOSS";
    public const string StorageUnavailable = "STORAGE_UNAVAILABLE";
    public const string StorageFull = "STORAGE_FULL";
    public const string StorageAccessDenied = "STORAGE_ACCESS_DENIED";
    public const string MemoryExhausted = "MEMORY_EXHAUSTED";
    public const string ShuttingDown = "SHUTTING_DOWN";
    public const string Cancelled = "CANCELLED";
    public const string DeadlineExceeded = "DEADLINE_EXCEEDED";
    public const string Internal = "INTERNAL";
    public const string Unauthenticated = "UNAUTHENTICATED";
}
