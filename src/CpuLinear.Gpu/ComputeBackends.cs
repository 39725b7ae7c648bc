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
    public static IComputeBackend Create(BackendKind kind, EngineSettings? settings = null)
    {
        int hostThreads = (settings ?? EngineSettings.Default).MaxThreads;
        return kind switch
        {
            BackendKind.Cpu => new CpuBackend(settings),
            BackendKind.Gpu => WithHostThreads(IlgpuBackend.CreateCuda(), hostThreads),
            BackendKind.IlgpuCpu => WithHostThreads(IlgpuBackend.CreateCpuAccelerator(), hostThreads),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static IlgpuBackend WithHostThreads(IlgpuBackend backend, int threads)
    {
        try
        {
            backend.HostThreads = threads;
            return backend;
        }
        catch
        {
            backend.Dispose();
            throw;
        }
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
