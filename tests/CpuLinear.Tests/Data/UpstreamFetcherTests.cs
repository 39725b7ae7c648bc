using System.Net;
using System.Net.Sockets;
using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

/// <summary>
/// The HTTPS route for Fashion-MNIST (machines without Debian's package), against a real HTTP server on loopback
/// that serves the real files: they arrive verified, a corrupted file or a missing one leaves the cache untouched
/// and names what failed.
/// </summary>
public sealed class UpstreamFetcherTests() : TemporaryFolderTest("cpulinear-upstream-")
{
    [Fact]
    public void The_four_files_arrive_verified_in_the_cache()
    {
        using var server = new FileServer(RealFiles());
        string root = Path.Combine(Folder, "cache");
        UpstreamFetcher.Fetch(KnownDataset.FashionMnist, root, server.BaseUrl, TextWriter.Null, TimeSpan.FromMinutes(2));
        string installed = Path.Combine(root, "fashion-mnist");
        CacheInstaller.Verify(KnownDataset.FashionMnist, installed);
        foreach ((string name, byte[] bytes) in server.Files)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(installed, name)));
        }

        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public void A_corrupted_download_is_rejected_naming_the_file_and_installs_nothing()
    {
        Dictionary<string, byte[]> files = RealFiles();
        byte[] labels = files["train-labels-idx1-ubyte.gz"] = DecompressFlipCompress(files["train-labels-idx1-ubyte.gz"]);
        Assert.NotEmpty(labels);
        using var server = new FileServer(files);
        string root = Path.Combine(Folder, "cache");
        DataFileException error = Assert.ThrowsAny<DataFileException>(() =>
            UpstreamFetcher.Fetch(KnownDataset.FashionMnist, root, server.BaseUrl, TextWriter.Null, TimeSpan.FromMinutes(2)));
        Assert.Contains("train-labels-idx1-ubyte", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "fashion-mnist")));
        Assert.Empty(Directory.GetDirectories(root));
    }

    [Fact]
    public void A_missing_file_names_its_url_and_status()
    {
        Dictionary<string, byte[]> files = RealFiles();
        files.Remove("t10k-images-idx3-ubyte.gz");
        using var server = new FileServer(files);
        string root = Path.Combine(Folder, "cache");
        DataFetchException error = Assert.Throws<DataFetchException>(() =>
            UpstreamFetcher.Fetch(KnownDataset.FashionMnist, root, server.BaseUrl, TextWriter.Null, TimeSpan.FromMinutes(2)));
        Assert.Contains($"{server.BaseUrl}t10k-images-idx3-ubyte.gz failed: HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "fashion-mnist")));
    }

    // The real files, from the cache the catalogue fills (fetched on first use).
    private static Dictionary<string, byte[]> RealFiles()
    {
        RealDataRequirement.Load("fashion-mnist", "Fashion-MNIST is needed as the files the test server serves.").Dispose();
        string cache = Datasets.CacheDirectory("fashion-mnist");
        return KnownDataset.FashionMnist.Files.ToDictionary(
            f => f.CanonicalName + ".gz", f => File.ReadAllBytes(f.FindIn(cache) ?? throw new FileNotFoundException(f.CanonicalName, cache)));
    }

    // One label changed: still a valid gzip and IDX file, so only the content MD5 can catch it.
    private static byte[] DecompressFlipCompress(byte[] gz)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        bytes[100] = (byte)((bytes[100] + 1) % 10);
        using var output = new MemoryStream();
        using (var zip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(bytes);
        }

        return output.ToArray();
    }

    // A static-file HTTP server on a free loopback port; it answers until disposed.
    private sealed class FileServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private int _requests;

        public FileServer(Dictionary<string, byte[]> files)
        {
            Files = files;
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = $"http://127.0.0.1:{port}/fashion/";
            _listener.Prefixes.Add(BaseUrl);
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public Dictionary<string, byte[]> Files { get; }

        public string BaseUrl { get; }

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(10));
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                string name = Path.GetFileName(context.Request.Url!.AbsolutePath);
                if (Files.TryGetValue(name, out byte[]? bytes))
                {
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.WriteAsync(bytes);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }

                context.Response.Close();
            }
        }
    }
}
