using System.Net;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>A RemoteException as the namenode or datanode sends it: the HTTP status, the Hadoop class and its message.</summary>
public sealed class HdfsRemoteError(HttpStatusCode status, string javaClassName, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string JavaClassName { get; } = javaClassName;

    public string SimpleName => JavaClassName[(JavaClassName.LastIndexOf('.') + 1)..];

    public static HdfsRemoteError FileNotFound(string message) => new(HttpStatusCode.NotFound, "java.io.FileNotFoundException", message);

    public static HdfsRemoteError IllegalArgument(string message) => new(HttpStatusCode.BadRequest, "java.lang.IllegalArgumentException", message);
}

/// <summary>
/// The namespace of the test cluster: directories and files in memory, each with an owner and a
/// permission checked as HDFS checks them (write on the parent to create, delete or rename; the
/// superuser <c>hdfs</c> passes every check). Every operation holds one lock, as the namenode's.
/// </summary>
public sealed class HdfsNamespace
{
    public const string Superuser = "hdfs";

    private readonly object _lock = new();
    private readonly Node _root = new(IsDirectory: true, Owner: Superuser, Permission: 0b111_111_111);
    private long _nextFileId = 16386;

    public sealed class Node(bool IsDirectory, string Owner, int Permission)
    {
        public bool IsDirectory { get; } = IsDirectory;
        public string Owner { get; set; } = Owner;
        public int Permission { get; set; } = Permission;
        public long FileId { get; init; }
        public long Modified { get; set; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public MemoryStream Data { get; } = new();
    }

    /// <summary>The status JSON fields of a node, as GETFILESTATUS and LISTSTATUS give them.</summary>
    public sealed record Status(string PathSuffix, string Type, long Length, long Modified, string Owner, string Permission, long FileId, int Children);

    /// <summary>Makes a directory owned by <paramref name="owner"/> with <paramref name="permission"/> (octal), for permission tests.</summary>
    public void MakeDirectory(string path, string owner, string permission)
    {
        lock (_lock)
        {
            var node = MakeDirectories(path, Superuser, 0b111_101_101);
            node.Owner = owner;
            node.Permission = Convert.ToInt32(permission, 8);
        }
    }

    /// <summary>Every file path under <paramref name="directory"/>, for the tests' own checks.</summary>
    public IReadOnlyList<string> FilesUnder(string directory)
    {
        lock (_lock)
        {
            var files = new List<string>();
            if (Find(directory) is { IsDirectory: true } node)
                Collect(directory.TrimEnd('/'), node, files);
            return files;
        }
    }

    public Status GetStatus(string path)
    {
        lock (_lock)
            return StatusOf("", Find(path) ?? throw HdfsRemoteError.FileNotFound($"File does not exist: {path}"));
    }

    public IReadOnlyList<Status> List(string path)
    {
        lock (_lock)
        {
            var node = Find(path) ?? throw HdfsRemoteError.FileNotFound($"File {path} does not exist.");
            return node.IsDirectory
                ? node.Children.OrderBy(child => child.Key, StringComparer.Ordinal).Select(child => StatusOf(child.Key, child.Value)).ToList()
                : [StatusOf("", node)];
        }
    }

    public bool MakeDirectories(string path, string user)
    {
        lock (_lock)
        {
            MakeDirectories(path, user, 0b111_101_101);
            return true;
        }
    }

    /// <summary>CREATE at the datanode: the parent directories are made, an existing file replaced only with overwrite.</summary>
    public void Create(string path, string user, bool overwrite, int permission, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            var (parentPath, name) = Split(path);
            var parent = MakeDirectories(parentPath, user, 0b111_101_101);
            if (parent.Children.TryGetValue(name, out var existing))
            {
                if (existing.IsDirectory)
                    throw new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.fs.FileAlreadyExistsException", $"{path} already exists as a directory");
                if (!overwrite)
                    throw new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.fs.FileAlreadyExistsException", $"{path} for client 127.0.0.1 already exists");
            }
            CheckWrite(parent, parentPath, user);
            var file = new Node(IsDirectory: false, user, permission) { FileId = _nextFileId++ };
            file.Data.Write(data);
            parent.Children[name] = file;
            parent.Modified = file.Modified;
        }
    }

    public void Append(string path, string user, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            var file = Find(path) ?? throw HdfsRemoteError.FileNotFound($"File does not exist: {path}");
            if (file.IsDirectory)
                throw new HdfsRemoteError(HttpStatusCode.Forbidden, "java.io.FileNotFoundException", $"Failed to append to non-existent file {path} for client 127.0.0.1");
            CheckWrite(file, path, user);
            file.Data.Seek(0, SeekOrigin.End);
            file.Data.Write(data);
            file.Modified = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }
    }

    /// <summary>The bytes of [offset, offset + length) that exist; an offset past the end is refused as the datanode refuses it.</summary>
    public byte[] Read(string path, long offset, long length)
    {
        lock (_lock)
        {
            var file = Find(path) ?? throw HdfsRemoteError.FileNotFound($"File does not exist: {path}");
            if (file.IsDirectory)
                throw HdfsRemoteError.FileNotFound($"Path is not a file: {path}");
            var size = file.Data.Length;
            if (offset < 0 || offset > size)
                throw new HdfsRemoteError(HttpStatusCode.Forbidden, "java.io.IOException", $"Offset={offset} out of the range [0, {size}); OPEN, path={path}");
            var count = (int)Math.Min(length, size - offset);
            return file.Data.GetBuffer().AsSpan((int)offset, count).ToArray();
        }
    }

    /// <summary>Checks that <paramref name="path"/> is a readable file, as the namenode does before it redirects an OPEN.</summary>
    public void CheckReadable(string path)
    {
        lock (_lock)
        {
            if (Find(path) is not { IsDirectory: false })
                throw HdfsRemoteError.FileNotFound($"File does not exist: {path}");
        }
    }

    /// <summary>
    /// HDFS's rename (the one WebHDFS's RENAME calls): false, changing nothing, when the source is
    /// missing, the destination exists as a file, or its parent is missing; onto an existing
    /// directory the source moves into it.
    /// </summary>
    public bool Rename(string source, string destination, string user)
    {
        lock (_lock)
        {
            var (sourceParentPath, sourceName) = Split(source);
            if (Find(sourceParentPath) is not { } sourceParent || !sourceParent.Children.TryGetValue(sourceName, out var node))
                return false;
            if (destination == source)
                return true;
            if (destination.StartsWith(source + "/", StringComparison.Ordinal))
                return false;
            var target = Find(destination);
            var (destinationParentPath, destinationName) = target is { IsDirectory: true } ? (destination, sourceName) : Split(destination);
            if (target is { IsDirectory: false } || Find(destinationParentPath) is not { IsDirectory: true } destinationParent
                || destinationParent.Children.ContainsKey(destinationName))
                return false;
            CheckWrite(sourceParent, sourceParentPath, user);
            CheckWrite(destinationParent, destinationParentPath, user);
            sourceParent.Children.Remove(sourceName);
            destinationParent.Children[destinationName] = node;
            return true;
        }
    }

    public bool Delete(string path, bool recursive, string user)
    {
        lock (_lock)
        {
            var (parentPath, name) = Split(path);
            if (Find(parentPath) is not { } parent || !parent.Children.TryGetValue(name, out var node))
                return false;
            if (node.IsDirectory && node.Children.Count > 0 && !recursive)
                throw new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException", $"`{path} is non empty': Directory is not empty");
            CheckWrite(parent, parentPath, user);
            parent.Children.Remove(name);
            return true;
        }
    }

    private Node MakeDirectories(string path, string user, int permission)
    {
        var node = _root;
        var walked = "";
        foreach (var segment in Segments(path))
        {
            walked += "/" + segment;
            if (!node.Children.TryGetValue(segment, out var child))
            {
                CheckWrite(node, walked[..walked.LastIndexOf('/')], user);
                child = new Node(IsDirectory: true, user, permission) { FileId = _nextFileId++ };
                node.Children[segment] = child;
            }
            else if (!child.IsDirectory)
            {
                throw new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.fs.ParentNotDirectoryException", $"Parent path is not a directory: {walked}");
            }
            node = child;
        }
        return node;
    }

    private static void CheckWrite(Node node, string path, string user)
    {
        if (user == Superuser)
            return;
        var bits = user == node.Owner ? node.Permission >> 6 : node.Permission;
        if ((bits & 0b010) == 0)
        {
            throw new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.security.AccessControlException",
                $"Permission denied: user={user}, access=WRITE, inode=\"{(path.Length == 0 ? "/" : path)}\":{node.Owner}:supergroup:{(node.IsDirectory ? 'd' : '-')}{Rwx(node.Permission)}");
        }
    }

    private static string Rwx(int permission) => string.Concat(Enumerable.Range(0, 9).Select(i => (permission & (1 << (8 - i))) == 0 ? '-' : "rwx"[i % 3]));

    private Node? Find(string path)
    {
        var node = _root;
        foreach (var segment in Segments(path))
        {
            if (!node.IsDirectory || !node.Children.TryGetValue(segment, out node))
                return null;
        }
        return node;
    }

    private static string[] Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static (string Parent, string Name) Split(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        if (slash < 0 || trimmed.Length == 0)
            throw HdfsRemoteError.IllegalArgument($"Invalid path name {path}");
        return (trimmed[..slash], trimmed[(slash + 1)..]);
    }

    private static void Collect(string path, Node directory, List<string> files)
    {
        foreach (var (name, child) in directory.Children)
        {
            if (child.IsDirectory)
                Collect($"{path}/{name}", child, files);
            else
                files.Add($"{path}/{name}");
        }
    }

    private static Status StatusOf(string suffix, Node node) => new(suffix, node.IsDirectory ? "DIRECTORY" : "FILE",
        node.IsDirectory ? 0 : node.Data.Length, node.Modified, node.Owner, Convert.ToString(node.Permission, 8), node.FileId, node.Children.Count);
}
