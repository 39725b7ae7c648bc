namespace CpuLinear.Data;

/// <summary>
/// Puts a dataset into the cache so that a reader never sees a half-written folder: files are staged in a
/// sibling temp folder of the cache root (same volume, so the final step is a rename, not a copy), verified
/// there, and only then renamed into place.
/// </summary>
internal static class CacheInstaller
{
    /// <summary>Creates a fresh staging folder next to the final location.</summary>
    public static string CreateStaging(string cacheRoot, string name)
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
    public static void Install(string stagedData, string finalDirectory)
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
    public static void DeleteQuietly(string directory)
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
