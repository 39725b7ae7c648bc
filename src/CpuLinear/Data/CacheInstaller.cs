namespace CpuLinear.Data;

/// <summary>
/// Puts a dataset into the cache so that a reader never sees a half-written folder: files are staged in a
/// sibling temp folder of the cache root (same volume, so the final step is a rename, not a copy), verified
/// there, and only then renamed into place.
/// </summary>
internal static class CacheInstaller
{
    /// <summary>
    /// Stages, verifies and installs <paramref name="dataset"/> under <paramref name="cacheRoot"/>:
    /// <paramref name="fill"/> gets the staging folder and writes the data files into its <c>data</c> folder
    /// (it may use the staging folder for scratch files); the staging folder is removed whatever happens.
    /// </summary>
    public static void InstallStaged(KnownDataset dataset, string cacheRoot, TextWriter log, Action<string, string> fill)
    {
        string staging = CreateStaging(cacheRoot, dataset.Name);
        try
        {
            string data = Path.Combine(staging, "data");
            fill(staging, data);
            log.WriteLine("Verifying MD5 checksums ...");
            Verify(dataset, data);
            Install(data, Path.Combine(cacheRoot, dataset.Name));
        }
        finally
        {
            DeleteQuietly(staging);
        }
    }

    /// <summary>Creates a fresh staging folder next to the final location.</summary>
    private static string CreateStaging(string cacheRoot, string name)
    {
        Directory.CreateDirectory(cacheRoot);
        string staging = Path.Combine(cacheRoot, $".staging-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>
    /// Fully decodes the staged files and checks their content MD5s; throws
    /// <see cref="ChecksumMismatchException"/> or <see cref="IdxFormatException"/> naming the file.
    /// </summary>
    public static void Verify(KnownDataset dataset, string directory)
    {
        foreach ((IdxFileSpec images, IdxFileSpec labels) in new[] { (dataset.TrainImages, dataset.TrainLabels), (dataset.TestImages, dataset.TestLabels) })
        {
            string imagesPath = images.FindIn(directory) ?? throw new DataFetchException($"'{directory}' lacks {images.CanonicalName}.");
            string labelsPath = labels.FindIn(directory) ?? throw new DataFetchException($"'{directory}' lacks {labels.CanonicalName}.");
            using LabeledImages _ = IdxReader.Load(imagesPath, labelsPath, IdxReader.DefaultClassCount, images.ContentMd5, labels.ContentMd5);
        }
    }

    /// <summary>Renames <paramref name="stagedData"/> to <paramref name="finalDirectory"/>, replacing an old copy.</summary>
    private static void Install(string stagedData, string finalDirectory)
    {
        string? old = null;
        if (Directory.Exists(finalDirectory))
        {
            // Two renames instead of delete-then-rename: the old copy disappears from the final path in one
            // atomic step, and is only deleted once the new copy is in place.
            old = finalDirectory + $".old-{Guid.NewGuid():N}";
            Directory.Move(finalDirectory, old);
        }

        Directory.Move(stagedData, finalDirectory);
        if (old is not null)
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>Removes a staging folder, ignoring failures: leftovers only waste space.</summary>
    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
