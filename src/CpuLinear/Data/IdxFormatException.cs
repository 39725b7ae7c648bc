namespace CpuLinear.Data;

/// <summary>
/// An IDX file (or a pair of image and label files) is malformed. The message names the file, the byte offset
/// in the (decompressed) IDX content, what was expected and what was found, so a user can tell a truncated
/// download from a wrong file without a hex editor.
/// </summary>
public sealed class IdxFormatException : DataFileException
{
    /// <summary>Creates the exception; <paramref name="problem"/> is a short phrase such as "wrong magic number".</summary>
    public IdxFormatException(string path, long offset, string problem, string expected, string found, Exception? inner = null)
        : base(path, $"Invalid IDX file '{path}' at byte offset {offset}: {problem}; expected {expected}, found {found}.", inner)
    {
        Offset = offset;
        Problem = problem;
        Expected = expected;
        Found = found;
    }

    /// <summary>Byte offset in the IDX content (after gzip decompression when the file is compressed).</summary>
    public long Offset { get; }

    /// <summary>Short description of what is wrong.</summary>
    public string Problem { get; }

    /// <summary>What a valid file holds at <see cref="Offset"/>.</summary>
    public string Expected { get; }

    /// <summary>What this file holds at <see cref="Offset"/>.</summary>
    public string Found { get; }
}
