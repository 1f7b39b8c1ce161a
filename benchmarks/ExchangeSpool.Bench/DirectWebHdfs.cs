using System.Net;
using System.Net.Http.Headers;

namespace ExchangeSpool.Bench;

/// <summary>
/// The same bytes as the spool's HDFS run, moved with plain WebHDFS requests through HttpClient, at
/// the spool's append unit (4 MiB, <c>exchange.hdfs.block-size</c>) and its concurrency: one file per
/// sink and partition, all written at once, each as a CREATE of its first block then APPENDs (in
/// order, as HDFS appends a file); read back by as many streams as sinks, 4 files at a time each
/// (source-concurrent-readers), by OPENs of one block with the next one fetched ahead. Every request
/// takes the namenode's 307 to the datanode, as the backend's do. Each round writes new files and
/// deletes them afterwards, unmeasured, as the spool closes its exchange.
/// </summary>
public sealed class DirectWebHdfs : IThroughputSubject, IDisposable
{
    public const int BlockSize = 4 * 1024 * 1024;
    private const int FilesPerReader = 4;

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(5) };
    private readonly Uri _namenode;
    private readonly string _user;
    private readonly string _directory;
    private readonly int _sinks;
    private readonly int _files;
    private readonly long _bytes;
    private readonly byte[] _block = PageData.Random(BlockSize);
    private int _round;

    private DirectWebHdfs(Uri namenode, string user, string directory, int sinks, int partitions, long bytes)
    {
        _namenode = namenode;
        _user = user;
        _directory = directory;
        _sinks = sinks;
        _files = sinks * partitions;
        _bytes = bytes;
    }

    /// <summary>Warms the client up on a file of two blocks first; the measured rounds then start hot.</summary>
    public static async Task<DirectWebHdfs> StartAsync(Uri namenode, string user, string directory, int sinks, int partitions, long bytes)
    {
        var direct = new DirectWebHdfs(namenode, user, directory, sinks, partitions, bytes);
        await direct.WriteFileAsync($"{directory}/warm-up", BlockSize + 1);
        await direct.ReadFileAsync($"{directory}/warm-up", BlockSize + 1, new SemaphoreSlim(1));
        return direct;
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        var round = $"{_directory}/direct-{++_round}";
        var files = Enumerable.Range(0, _files).Select(i => (Path: $"{round}/{i}", Length: PageData.Share(_bytes, _files, i))).ToArray();
        var write = await Throughput.MeasureAsync(_bytes, () => Task.WhenAll(files.Select(f => Task.Run(() => WriteFileAsync(f.Path, f.Length)))));
        var readers = Enumerable.Range(0, _sinks).Select(_ => new SemaphoreSlim(FilesPerReader)).ToArray();
        var read = await Throughput.MeasureAsync(_bytes, () => Task.WhenAll(files.Select((f, i) =>
            Task.Run(() => ReadFileAsync(f.Path, f.Length, readers[i % _sinks])))));
        using var deleted = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, Url(round, "DELETE", "&recursive=true")));
        deleted.EnsureSuccessStatusCode();
        return new Directions(write, read);
    }

    public void Dispose() => _http.Dispose();

    private async Task WriteFileAsync(string path, long length)
    {
        var first = (int)Math.Min(BlockSize, length);
        await RedirectedAsync(HttpMethod.Put, Url(path, "CREATE", "&overwrite=true"), first, HttpStatusCode.Created);
        for (long offset = first; offset < length; offset += BlockSize)
            await RedirectedAsync(HttpMethod.Post, Url(path, "APPEND", ""), (int)Math.Min(BlockSize, length - offset), HttpStatusCode.OK);
    }

    private async Task ReadFileAsync(string path, long length, SemaphoreSlim reader)
    {
        await reader.WaitAsync();
        try
        {
            Task<long>? next = OpenAsync(path, 0, Math.Min(BlockSize, length));
            long received = 0;
            for (long offset = 0; next is not null; offset += BlockSize)
            {
                var current = next;
                var following = offset + BlockSize;
                // The next window is fetched while this one is consumed.
                next = following < length ? OpenAsync(path, following, Math.Min(BlockSize, length - following)) : null;
                received += await current;
            }
            if (received != length)
                throw new InvalidOperationException($"read {received} bytes of {length} from {path}");
        }
        finally
        {
            reader.Release();
        }
    }

    private async Task RedirectedAsync(HttpMethod method, Uri url, int length, HttpStatusCode expected)
    {
        using var redirect = await _http.SendAsync(new HttpRequestMessage(method, url));
        if (redirect.StatusCode != HttpStatusCode.TemporaryRedirect)
            throw new InvalidOperationException($"{method} {url}: {redirect.StatusCode}, not a redirect");
        using var request = new HttpRequestMessage(method, redirect.Headers.Location) { Content = new ByteArrayContent(_block, 0, length) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.SendAsync(request);
        if (response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {redirect.Headers.Location}: {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<long> OpenAsync(string path, long offset, long length)
    {
        using var redirect = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, Url(path, "OPEN", $"&offset={offset}&length={length}")));
        using var response = await _http.GetAsync(redirect.Headers.Location, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
            total += read;
        return total;
    }

    private Uri Url(string path, string operation, string query) =>
        new(_namenode, $"webhdfs/v1{path}?op={operation}&user.name={_user}{query}");
}
