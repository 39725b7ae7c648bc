using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear;

/// <summary>
/// How much of the machine an engine call may use. Results never depend on these settings: every kernel
/// path and every thread count produce the same bits.
/// </summary>
public sealed record EngineSettings
{
    /// <summary>The settings used when a caller passes none: all cores, the registry's kernel path.</summary>
    public static EngineSettings Default { get; } = new();

    /// <summary>Upper bound on worker threads; defaults to <see cref="Environment.ProcessorCount"/>.</summary>
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Kernel path to run; null means <see cref="KernelRegistry.Selected"/>.</summary>
    public KernelPath? Path { get; init; }

    internal KernelPath ResolvedPath => Path ?? KernelRegistry.Selected;

    internal int ResolvedThreads => MaxThreads >= 1
        ? MaxThreads
        : throw new ArgumentOutOfRangeException(nameof(MaxThreads), MaxThreads, "MaxThreads must be at least 1.");
}
