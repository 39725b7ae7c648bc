using CpuLinear.Backends;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// One ILGPU backend per test class: creating the context and compiling kernels is the slow part. By default the
/// kernels run on ILGPU's CPU accelerator (how CI checks them without a GPU); with
/// <c>CPULINEAR_TEST_DEVICE=gpu</c> the same tests run them on the first CUDA device, and fail if there is none.
/// </summary>
public sealed class IlgpuFixture : IDisposable
{
    public const string DeviceVariable = "CPULINEAR_TEST_DEVICE";

    public IlgpuBackend Backend { get; } = Create();

    /// <summary>A backend on the device the tests were asked to use, with an optional memory budget.</summary>
    public static IlgpuBackend Create(long? memoryBudgetBytes = null) => Environment.GetEnvironmentVariable(DeviceVariable) switch
    {
        null or "" or "ilgpu-cpu" => IlgpuBackend.CreateCpuAccelerator(memoryBudgetBytes),
        "gpu" => IlgpuBackend.CreateCuda(memoryBudgetBytes),
        string other => throw new InvalidOperationException($"{DeviceVariable}={other}: expected 'ilgpu-cpu' (default) or 'gpu'."),
    };

    public void Dispose() => Backend.Dispose();
}

/// <summary>The shared contract on the CPU engine.</summary>
public sealed class CpuBackendTests() : BackendContractTests(new CpuBackend(new EngineSettings { MaxThreads = 2 }));

/// <summary>The shared contract on the ILGPU kernels (CPU accelerator, or CUDA with <c>CPULINEAR_TEST_DEVICE=gpu</c>).</summary>
public sealed class IlgpuBackendTests(IlgpuFixture fixture) : BackendContractTests(fixture.Backend), IClassFixture<IlgpuFixture>;
