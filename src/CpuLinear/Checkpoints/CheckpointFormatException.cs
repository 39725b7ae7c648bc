namespace CpuLinear.Checkpoints;

/// <summary>
/// A checkpoint file is malformed or does not describe the network its metadata names. The message names the
/// file, the byte offset, what was expected and what was found.
/// </summary>
public sealed class CheckpointFormatException : IOException
{
    /// <summary>Creates the exception; <paramref name="problem"/> is a short phrase such as "header length out of range".</summary>
    public CheckpointFormatException(string path, long offset, string problem, string expected, string found, Exception? inner = null)
        : base($"Invalid checkpoint '{path}' at byte offset {offset}: {problem}; expected {expected}, found {found}.", inner)
    {
        Path = path;
        Offset = offset;
        Problem = problem;
        Expected = expected;
        Found = found;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Byte offset in the file where the problem was detected.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, in a few words.</summary>
    public string Problem { get; }

    /// <summary>What a valid file has there.</summary>
    public string Expected { get; }

    /// <summary>What this file has there.</summary>
    public string Found { get; }
}
