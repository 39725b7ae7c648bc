namespace CpuLinear.Cli.Evolution;

/// <summary>A metrics log that cannot be read: the message names the file, the line and what is wrong there.</summary>
internal sealed class MetricsFormatException : IOException
{
    public MetricsFormatException(string path, int line, string problem)
        : base($"Invalid metrics file '{path}', line {line}: {problem}.")
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line.</summary>
    public int Line { get; }
}
