using CpuLinear.Backends;
using CpuLinear.Cli.Commands;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Training;
using ILGPU.Runtime.Cuda;
using ILGPU;

namespace CpuLinear.Gpu.Tests;

/// <summary><c>--backend cpu|gpu|ilgpu-cpu</c>: parsing, creation, and the one-line error when no CUDA device exists.</summary>
public sealed class BackendSelectionTests
{
    private static bool HasCudaDevice()
    {
        using var context = Context.Create(builder => builder.Cuda());
        return context.GetCudaDevices().Count > 0;
    }

    [Theory]
    [InlineData("cpu", BackendKind.Cpu)]
    [InlineData("GPU", BackendKind.Gpu)]
    [InlineData(" ilgpu-cpu ", BackendKind.IlgpuCpu)]
    public void Names_parse_and_round_trip(string name, BackendKind kind)
    {
        Assert.Equal(kind, BackendKinds.Parse(name));
        Assert.Equal(name.Trim().ToLowerInvariant(), kind.Name());
    }

    [Fact]
    public void An_unknown_name_lists_the_choices()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => BackendKinds.Parse("tpu"));
        Assert.Contains(BackendKinds.Choices, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Cpu_backends_are_always_available(string name)
    {
        using IComputeBackend backend = ComputeBackends.Create(name);
        Assert.Equal(BackendKinds.Parse(name), backend.Kind);
        Assert.False(string.IsNullOrWhiteSpace(backend.DeviceDescription));
    }

    [Fact]
    public void Gpu_without_a_cuda_device_throws_a_clear_exception()
    {
        if (HasCudaDevice())
        {
            // On a CUDA machine the same call must succeed instead.
            using IComputeBackend backend = ComputeBackends.Create("gpu");
            Assert.Equal(BackendKind.Gpu, backend.Kind);
            return;
        }

        BackendUnavailableException error = Assert.Throws<BackendUnavailableException>(() => ComputeBackends.Create("gpu"));
        Assert.Contains("CUDA", error.Message, StringComparison.Ordinal);
        Assert.Contains("--backend ilgpu-cpu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_listing_names_the_cpu_accelerator_and_the_cuda_state()
    {
        IReadOnlyList<string> lines = ComputeBackends.DescribeDevices();
        Assert.Contains(lines, l => l.StartsWith("CPU:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Cuda:", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_with_gpu_and_no_cuda_prints_one_line_and_fails()
    {
        var errors = new StringWriter();
        int exit = EvaluateCommand.Create(errors: errors).Parse(["no-such.safetensors", "--fused", "--backend", "gpu"]).Invoke();
        Assert.Equal(1, exit);
        string text = errors.ToString();
        if (HasCudaDevice())
        {
            // With a CUDA device the backend starts and the missing checkpoint is what fails.
            Assert.Contains("no-such.safetensors", text, StringComparison.Ordinal);
            return;
        }

        Assert.StartsWith("error: --backend gpu needs a CUDA device", text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_with_an_ilgpu_backend_requires_the_fused_path()
    {
        var errors = new StringWriter();
        int exit = EvaluateCommand.Create(errors: errors).Parse(["no-such.safetensors", "--backend", "ilgpu-cpu"]).Invoke();
        Assert.Equal(2, exit); // a usage error
        Assert.Contains("--fused", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_ilgpu_backend_scores_on_the_engine_thread_count()
    {
        using var backend = (IlgpuBackend)ComputeBackends.Create("ilgpu-cpu", new EngineSettings { MaxThreads = 3 });
        Assert.Equal(3, backend.HostThreads);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.HostThreads = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeBackends.Create("ilgpu-cpu", new EngineSettings { MaxThreads = 0 }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reproduce_gives_a_compute_backend_dense_members_and_the_engine_activity_members(bool quick)
    {
        // Activity members exist on the CPU engine only: a backend's evaluator given them would refuse the run.
        using IComputeBackend backend = ComputeBackends.Create("ilgpu-cpu");
        var parameters = NetworkParameters.Initialize(NetworkArchitecture.Default, 1);
        EvolutionSettings engine = ReproduceCommand.RandomStart(quick, 1, onCpuEngine: true);
        EvolutionSettings device = ReproduceCommand.RandomStart(quick, 1, onCpuEngine: false);
        Assert.True(engine.UsesActivityMembers);
        Assert.False(device.UsesActivityMembers);
        Assert.Equal(0, device.FirstLayerUnits);
        using var evaluator = new BackendPopulationEvaluator(backend);
        Assert.Throws<ArgumentException>(() => new EvolutionTrainer(parameters, engine, evaluator: evaluator));
        Assert.Same(evaluator, new EvolutionTrainer(parameters, device, evaluator: evaluator).Evaluator);
    }

    [Fact]
    public void Reproduce_checks_its_backend_before_reading_any_data()
    {
        string outDir = Path.Combine(Path.GetTempPath(), $"cpulinear-reproduce-backend-{Guid.NewGuid():N}");
        var errors = new StringWriter();
        int exit = ReproduceCommand.Create(errors: errors).Parse(["--backend", "tpu", "--out", outDir]).Invoke();
        Assert.Equal(2, exit); // a usage error
        Assert.Contains("tpu", errors.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir), "nothing is written before the backend exists");
        if (HasCudaDevice())
        {
            return; // with a CUDA device "gpu" would start a real run
        }

        errors = new StringWriter();
        exit = ReproduceCommand.Create(errors: errors).Parse(["--backend", "gpu", "--out", outDir]).Invoke();
        Assert.Equal(1, exit);
        Assert.StartsWith("error: --backend gpu needs a CUDA device", errors.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir), "nothing is written before the backend exists");
    }
}
