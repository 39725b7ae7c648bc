using CpuLinear.Backends;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CpuLinear.Gpu;

/// <summary>The one place a backend is chosen from <c>--backend cpu|gpu|ilgpu-cpu</c>, and what ILGPU sees.</summary>
public static class ComputeBackends
{
    /// <summary>Creates the backend named by <paramref name="name"/> (see <see cref="BackendKinds.Parse"/>).</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="BackendUnavailableException"><c>gpu</c> on a machine without a CUDA device.</exception>
    public static IComputeBackend Create(string name, EngineSettings? settings = null) =>
        Create(BackendKinds.Parse(name), settings);

    /// <summary>
    /// Creates a backend of <paramref name="kind"/>; <paramref name="settings"/> applies to the CPU engine, and its
    /// thread count to the host work of the ILGPU backends.
    /// </summary>
    /// <exception cref="BackendUnavailableException"><see cref="BackendKind.Gpu"/> on a machine without a CUDA device.</exception>
    public static IComputeBackend Create(BackendKind kind, EngineSettings? settings = null) => kind switch
    {
        BackendKind.Cpu => new CpuBackend(settings),
        BackendKind.Gpu => WithHostThreads(settings, () => IlgpuBackend.CreateCuda()),
        BackendKind.IlgpuCpu => WithHostThreads(settings, () => IlgpuBackend.CreateCpuAccelerator()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static IlgpuBackend WithHostThreads(EngineSettings? settings, Func<IlgpuBackend> create)
    {
        // The engine's own check, made before a device exists, so a bad count never leaves one to dispose.
        int threads = (settings ?? EngineSettings.Default).ResolvedThreads;
        IlgpuBackend backend = create();
        backend.HostThreads = threads;
        return backend;
    }

    /// <summary>
    /// The devices ILGPU can see, one line each ("Cuda: NVIDIA ..., 80.00 GiB"), and a line saying so when there is
    /// no CUDA device (then <c>--backend gpu</c> is unavailable). Never throws: a failure is reported as a line.
    /// </summary>
    public static IReadOnlyList<string> DescribeDevices()
    {
        var lines = new List<string>();
        try
        {
            using var context = Context.Create(builder => builder.Default());
            foreach (Device device in context)
            {
                lines.Add(device.AcceleratorType == AcceleratorType.CPU
                    ? $"{device.AcceleratorType}: {device.Name} (--backend ilgpu-cpu)"
                    : $"{device.AcceleratorType}: {device.Name}, {DeviceMemoryExceededException.FormatBytes(device.MemorySize)}{(device.AcceleratorType == AcceleratorType.Cuda ? " (--backend gpu)" : string.Empty)}");
            }

            if (context.GetCudaDevices().Count == 0)
            {
                lines.Add("Cuda: no device found (--backend gpu unavailable)");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            lines.Add($"ILGPU could not enumerate devices: {ex.Message}");
        }

        return lines;
    }
}
