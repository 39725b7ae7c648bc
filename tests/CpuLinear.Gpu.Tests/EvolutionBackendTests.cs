using CpuLinear.Backends;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Training;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// ES generations with the population evaluated on a backend against the CPU trainer's own per-thread path:
/// fitnesses and parameters must have the same bits (issue 6: "a full ES generation gives the same bits").
/// </summary>
public sealed class EvolutionBackendTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private static readonly NetworkArchitecture Tiny = new([8, 6, 6, 3]);

    public static TheoryData<int> Ranks() => new() { 1, 2, 0 };

    [Theory]
    [MemberData(nameof(Ranks))]
    public void One_generation_has_the_same_fitness_and_parameters_on_every_backend(int rank)
    {
        using DatasetSplits data = SyntheticTasks.Parity(8, seed: 3);
        EvolutionSettings settings = Settings(rank);
        using var cpuBackend = new CpuBackend(new EngineSettings { MaxThreads = 1 });
        EvolutionTrainer reference = Run(settings, data.Train, 1, null);
        EvolutionTrainer onIlgpu = Run(settings, data.Train, 1, fixture.Backend);
        EvolutionTrainer onCpuBackend = Run(settings, data.Train, 1, cpuBackend);

        double[] fitness = reference.Fitness.ToArray();
        Assert.True(fitness.Distinct().Count() > fitness.Length / 2, "the members should differ");
        Assert.All(fitness, f => Assert.True(double.IsFinite(f) && f < 0));
        Assert.Equal(Bits(fitness), Bits(onIlgpu.Fitness.ToArray()));
        Assert.Equal(Bits(fitness), Bits(onCpuBackend.Fitness.ToArray()));
        Assert.NotEqual(Bits(NetworkParameters.Initialize(Tiny, settings.Seed).Values), Bits(reference.Parameters.Values));
        Reference.SameBits(reference.Parameters.Values, onIlgpu.Parameters.Values, $"θ after one generation, rank {rank}, ILGPU");
        Reference.SameBits(reference.Parameters.Values, onCpuBackend.Parameters.Values, $"θ after one generation, rank {rank}, CPU backend");
    }

    [Fact]
    public void A_short_run_ends_with_the_same_parameters_on_the_ilgpu_backend()
    {
        using DatasetSplits data = SyntheticTasks.Parity(8, seed: 4);
        EvolutionSettings settings = Settings(rank: 2) with { Generations = 4 };
        var reference = new EvolutionTrainer(NetworkParameters.Initialize(Tiny, settings.Seed), settings, new EngineSettings { MaxThreads = 2 });
        var onIlgpu = new EvolutionTrainer(NetworkParameters.Initialize(Tiny, settings.Seed), settings, new EngineSettings { MaxThreads = 1 }, new BackendPopulationEvaluator(fixture.Backend));
        for (int g = 0; g < 4; g++)
        {
            // θ depends on the fitnesses only through their ranks, so compare the fitnesses themselves too.
            reference.Step(data.Train);
            onIlgpu.Step(data.Train);
            Assert.Equal(Bits(reference.Fitness.ToArray()), Bits(onIlgpu.Fitness.ToArray()));
        }

        Reference.SameBits(reference.Parameters.Values, onIlgpu.Parameters.Values, "θ after 4 generations");
        Reference.SameBits(reference.Optimizer.FirstMoment, onIlgpu.Optimizer.FirstMoment, "Adam m after 4 generations");
    }

    [Fact]
    public void A_short_run_on_the_paper_input_width_ends_with_the_same_parameters()
    {
        // 784-16-16-10 on a handful of random "images": the first layer's K = 784 crosses the CPU GEMM's k-blocks.
        var net = new NetworkArchitecture([784, 16, 16, 10]);
        const int rows = 12;
        var pixels = CommunityToolkit.HighPerformance.Buffers.MemoryOwner<float>.Allocate(rows * 784);
        Seeded.Uniform(rows * 784, 20, 0f, 1f).CopyTo(pixels.Span);
        using var images = new LabeledImages(
            pixels, Seeded.Labels(rows, 10, 21), 28, 28, 10, new DataProvenance("random test images", null, null, null, null, ChecksumStatus.Generated));
        var settings = new EvolutionSettings { Pairs = 4, BatchSize = 6, Generations = 3, Rank = 1, Seed = 11 };
        var reference = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = 2 });
        var onIlgpu = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = 1 }, new BackendPopulationEvaluator(fixture.Backend));
        for (int g = 0; g < 3; g++)
        {
            reference.Step(images);
            onIlgpu.Step(images);
            Assert.Equal(Bits(reference.Fitness.ToArray()), Bits(onIlgpu.Fitness.ToArray()));
        }

        Reference.SameBits(reference.Parameters.Values, onIlgpu.Parameters.Values, "784-16-16-10 θ after 3 generations");
    }

    private static EvolutionSettings Settings(int rank) =>
        new() { Pairs = 6, BatchSize = 32, Generations = 8, Rank = rank, Seed = 7, SigmaInitial = 0.1f, SigmaFinal = 0.05f };

    private static EvolutionTrainer Run(EvolutionSettings settings, LabeledImages data, int generations, IComputeBackend? backend)
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(Tiny, settings.Seed), settings, new EngineSettings { MaxThreads = 2 }, backend is null ? null : new BackendPopulationEvaluator(backend));
        for (int g = 0; g < generations; g++)
        {
            trainer.Step(data);
        }

        return trainer;
    }

    private static ulong[] Bits(double[] values) => values.Select(BitConverter.DoubleToUInt64Bits).ToArray();

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
