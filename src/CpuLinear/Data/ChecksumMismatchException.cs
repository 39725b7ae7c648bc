namespace CpuLinear.Data;

/// <summary>
/// A data file decoded cleanly but its content MD5 differs from the published value. This is always an error:
/// a silently different MNIST would make every reproduced number meaningless.
/// </summary>
public sealed class ChecksumMismatchException : DataFileException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ChecksumMismatchException(string path, string expectedMd5, string foundMd5)
        : base(path, $"Checksum mismatch for '{path}': expected MD5 {expectedMd5} of the IDX content, found {foundMd5}. " +
               "The file is corrupt or not the expected dataset; delete it and fetch again.", null)
    {
        ExpectedMd5 = expectedMd5;
        FoundMd5 = foundMd5;
    }

    /// <summary>The published MD5 (lower-case hex).</summary>
    public string ExpectedMd5 { get; }

    /// <summary>The MD5 actually computed (lower-case hex).</summary>
    public string FoundMd5 { get; }
}
