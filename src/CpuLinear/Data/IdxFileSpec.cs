namespace CpuLinear.Data;

/// <summary>One of the four files of an IDX dataset, e.g. prefix "train-images", kind "idx3".</summary>
/// <param name="Prefix">"train-images", "train-labels", "t10k-images" or "t10k-labels".</param>
/// <param name="Kind">"idx3" for images, "idx1" for labels.</param>
/// <param name="ContentMd5">MD5 of the decompressed IDX content, lower-case hex.</param>
public sealed record IdxFileSpec(string Prefix, string Kind, string ContentMd5)
{
    /// <summary>
    /// The names this file is found under, in order of preference: LeCun's "train-images-idx3-ubyte", the
    /// Windows-friendly "train-images.idx3-ubyte" some mirrors use, and both with ".gz".
    /// </summary>
    public IReadOnlyList<string> CandidateNames =>
    [
        $"{Prefix}-{Kind}-ubyte",
        $"{Prefix}.{Kind}-ubyte",
        $"{Prefix}-{Kind}-ubyte.gz",
        $"{Prefix}.{Kind}-ubyte.gz",
    ];

    /// <summary>The canonical name, used in messages.</summary>
    public string CanonicalName => CandidateNames[0];

    /// <summary>Returns the first candidate name present in <paramref name="directory"/>, or null.</summary>
    public string? FindIn(string directory)
    {
        foreach (string name in CandidateNames)
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
