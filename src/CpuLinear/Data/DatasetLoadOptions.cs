namespace CpuLinear.Data;

/// <summary>How <see cref="Datasets"/> finds, fetches or generates a dataset.</summary>
public sealed class DatasetLoadOptions
{
    /// <summary>Cache root (--data-dir); null means $CPULINEAR_DATA or the platform default.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>A folder holding the user's own four files (--data); when set, nothing else is tried.</summary>
    public string? SourceDirectory { get; init; }

    /// <summary>Fetch into the cache when the files are absent (default true), as the commands and the real-data tests do.</summary>
    public bool AutoFetch { get; init; } = true;

    /// <summary>Seed of the synthetic tasks.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Training examples of xor/circles (a multiple of 4; default 1024).</summary>
    public int SyntheticTrainCount { get; init; } = 1024;

    /// <summary>Test examples of xor/circles (a multiple of 4; default 256).</summary>
    public int SyntheticTestCount { get; init; } = 256;

    /// <summary>Where progress and status lines go; null means standard error.</summary>
    public TextWriter? Log { get; init; }

    internal TextWriter LogOrStderr => Log ?? Console.Error;
}
