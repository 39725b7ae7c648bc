namespace CpuLinear.Backends;

/// <summary>Which <see cref="IComputeBackend"/> runs the work (<c>--backend cpu|gpu|ilgpu-cpu</c>).</summary>
public enum BackendKind
{
    /// <summary>The CPU engine: vectorised GEMM kernels on the thread pool.</summary>
    Cpu,

    /// <summary>ILGPU on a CUDA device; unavailable (a clear error) where there is none.</summary>
    Gpu,

    /// <summary>ILGPU's CPU accelerator: the GPU kernels run on the CPU, so CI checks them without a GPU.</summary>
    IlgpuCpu,
}

/// <summary>Names of <see cref="BackendKind"/> as the command line spells them.</summary>
public static class BackendKinds
{
    /// <summary>The spellings accepted by <see cref="Parse"/>, for help texts and messages.</summary>
    public const string Choices = "cpu, gpu or ilgpu-cpu";

    /// <summary>Parses <c>cpu</c>, <c>gpu</c> or <c>ilgpu-cpu</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static BackendKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => BackendKind.Cpu,
        "gpu" => BackendKind.Gpu,
        "ilgpu-cpu" => BackendKind.IlgpuCpu,
        _ => throw new ArgumentException($"--backend must be {Choices}; got '{name}'.", nameof(name)),
    };

    /// <summary>The command-line spelling of <paramref name="kind"/>.</summary>
    public static string Name(this BackendKind kind) => kind switch
    {
        BackendKind.Cpu => "cpu",
        BackendKind.Gpu => "gpu",
        BackendKind.IlgpuCpu => "ilgpu-cpu",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
