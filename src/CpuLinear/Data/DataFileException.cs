namespace CpuLinear.Data;

/// <summary>
/// A data file exists but its content is unusable (malformed IDX, wrong checksum).
/// </summary>
/// <remarks>
/// <see cref="InvalidDataException"/> would be the natural base, but it is sealed; <see cref="IOException"/> is
/// its closest unsealed relative and is what callers that read files already catch.
/// </remarks>
public abstract class DataFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    protected DataFileException(string path, string message, Exception? inner)
        : base(message, inner)
    {
        FilePath = path;
    }

    /// <summary>The offending file.</summary>
    public string FilePath { get; }
}
