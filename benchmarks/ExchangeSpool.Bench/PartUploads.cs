namespace ExchangeSpool.Bench;

/// <summary>
/// A direct reference's upload of one object in parts, at most <c>inFlight</c> on the wire while
/// the next is sent, as the backends' writers keep theirs (Core's PartedFileWriter).
/// </summary>
public static class PartUploads
{
    /// <param name="uploadPart">Sends part (number from 1, size) and returns what the commit needs of it.</param>
    /// <returns>Each part's result, in part order.</returns>
    public static async Task<List<T>> UploadAsync<T>(long length, int partSize, int inFlight, Func<int, int, Task<T>> uploadPart)
    {
        var sending = new Queue<Task<T>>();
        var sent = new List<T>();
        var number = 0;
        for (long offset = 0; offset < length; offset += partSize)
        {
            if (sending.Count >= inFlight)
                sent.Add(await sending.Dequeue());
            sending.Enqueue(uploadPart(++number, (int)Math.Min(partSize, length - offset)));
        }
        while (sending.Count > 0)
            sent.Add(await sending.Dequeue());
        return sent;
    }
}
