using System.Runtime.Intrinsics;

namespace CpuLinear.Simd;

/// <summary>
/// Chooses the kernel path once per process. The choice can be forced with the environment variable
/// <c>CPULINEAR_KERNEL</c> (<c>scalar</c>, <c>vector128</c>, <c>vector256</c>, <c>vector512</c>) so that tests,
/// benchmarks and CI runs can pin any path on any machine.
/// </summary>
public static class KernelRegistry
{
    /// <summary>Name of the environment variable that forces a kernel path.</summary>
    public const string EnvironmentVariable = "CPULINEAR_KERNEL";

    private static readonly Lazy<KernelPath> s_selected = new(SelectFromEnvironment);

    /// <summary>The path every kernel uses unless a caller passes another one explicitly.</summary>
    public static KernelPath Selected => s_selected.Value;

    /// <summary>Why <see cref="Selected"/> was chosen: forced by the environment, or the widest accelerated path.</summary>
    public static string SelectionReason
    {
        get
        {
            _ = s_selected.Value;
            return s_selectionReason;
        }
    }

    private static string s_selectionReason = "";

    /// <summary>The widest path this CPU and runtime accelerate.</summary>
    public static KernelPath Widest
    {
        get
        {
            // Ordered from the widest down; the runtime reports false for a width the user disabled with
            // DOTNET_EnableAVX512=0 or DOTNET_EnableAVX2=0, so those switches are honoured here too.
            // Vector256 also needs hardware FMA: without it a fused multiply-add is emulated in software
            // and the 128-bit path is the faster one.
            if (Vector512.IsHardwareAccelerated && Vector512<float>.IsSupported)
            {
                return KernelPath.Vector512;
            }

            if (Vector256.IsHardwareAccelerated && HasHardwareFusedMultiplyAdd)
            {
                return KernelPath.Vector256;
            }

            if (Vector128.IsHardwareAccelerated)
            {
                return KernelPath.Vector128;
            }

            return KernelPath.Scalar;
        }
    }

    /// <summary>
    /// The widest vector width the runtime accelerates, whether or not it has a fused multiply-add: what
    /// element-wise kernels (compare, select, add, scale) use. Order: 512-bit (AVX-512), 256 (AVX2), 128
    /// (SSE/AdvSimd, on every x64/ARM64 machine), scalar for anything else.
    /// </summary>
    internal static KernelPath WidestVector =>
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>True when fused multiply-add is an instruction here rather than a software emulation.</summary>
    public static bool HasHardwareFusedMultiplyAdd =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>
    /// Every path the hardware accelerates, narrowest first. Other paths still give correct bits
    /// (the runtime emulates wider vectors), only slowly.
    /// </summary>
    public static IReadOnlyList<KernelPath> Accelerated => s_accelerated.Value;

    private static readonly Lazy<IReadOnlyList<KernelPath>> s_accelerated = new(FindAccelerated);

    private static IReadOnlyList<KernelPath> FindAccelerated()
    {
        var paths = new List<KernelPath> { KernelPath.Scalar };
        if (Vector128.IsHardwareAccelerated)
        {
            paths.Add(KernelPath.Vector128);
        }

        if (Vector256.IsHardwareAccelerated && HasHardwareFusedMultiplyAdd)
        {
            paths.Add(KernelPath.Vector256);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            paths.Add(KernelPath.Vector512);
        }

        return paths;
    }

    /// <summary>True when <paramref name="path"/> runs on vector hardware rather than a software emulation.</summary>
    public static bool IsAccelerated(KernelPath path) => Accelerated.Contains(path);

    /// <summary>Parses a path name as accepted by <see cref="EnvironmentVariable"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not one of the four paths.</exception>
    public static KernelPath Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "scalar" => KernelPath.Scalar,
        "vector128" or "128" => KernelPath.Vector128,
        "vector256" or "256" => KernelPath.Vector256,
        "vector512" or "512" => KernelPath.Vector512,
        _ => throw new ArgumentException(
            $"Unknown kernel path '{name}'. Expected one of: scalar, vector128, vector256, vector512.", nameof(name)),
    };

    private static KernelPath SelectFromEnvironment()
    {
        string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            KernelPath path = Parse(forced);
            s_selectionReason = IsAccelerated(path)
                ? $"forced by {EnvironmentVariable}={forced}"
                : $"forced by {EnvironmentVariable}={forced} (not accelerated here: emulated, slow)";
            return path;
        }

        KernelPath widest = Widest;
        s_selectionReason = "widest path this CPU accelerates";
        return widest;
    }
}
