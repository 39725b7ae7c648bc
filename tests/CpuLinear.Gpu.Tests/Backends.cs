using CpuLinear.Backends;

namespace CpuLinear.Gpu.Tests;

/// <summary>One ILGPU CPU-accelerator backend per test class: creating the context and compiling kernels is the slow part.</summary>
public sealed class IlgpuCpuFixture : IDisposable
{
    public IlgpuBackend Backend { get; } = IlgpuBackend.CreateCpuAccelerator();

    public void Dispose() => Backend.Dispose();
}

/// <summary>The shared contract on the CPU engine.</summary>
public sealed class CpuBackendTests() : BackendContractTests(new CpuBackend(new EngineSettings { MaxThreads = 2 }));

/// <summary>The shared contract on the ILGPU kernels, run by ILGPU's CPU accelerator (how CI checks them without a GPU).</summary>
public sealed class IlgpuCpuBackendTests(IlgpuCpuFixture fixture) : BackendContractTests(fixture.Backend), IClassFixture<IlgpuCpuFixture>;
