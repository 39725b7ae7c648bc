using CommunityToolkit.HighPerformance.Buffers;
using CpuLinear.Backends;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// Whole generations on the device (<see cref="DeviceEvolutionSession"/>) against the CPU engine's
/// <see cref="EvolutionTrainer"/>: every member kind and update rule gives the same fitnesses and metrics each
/// generation and the same θ and Adam state at the end, for any chunking of the population, and checkpoints resume on
/// either side with the same bits.
/// </summary>
public sealed class DeviceEvolutionSessionTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private static readonly NetworkArchitecture Tiny = new([8, 6, 6, 3]);

    public static TheoryData<string> Cases() => [.. CaseSettings.Keys];

    private static readonly Dictionary<string, (NetworkArchitecture Net, EvolutionSettings Settings)> CaseSettings = new()
    {
        ["full rank"] = (Tiny, Base with { Rank = 0 }),
        ["rank 1"] = (Tiny, Base with { Rank = 1 }),
        ["unit subsets"] = (Tiny, Base with { Rank = 1, FirstLayerUnits = 2 }),
        ["rank 2, sgd, z-scores, decoupled decay"] = (Tiny, Base with
        {
            Rank = 2, Optimizer = EvolutionOptimizer.Sgd, Shaping = FitnessShaping.ZScoredDifferences, DecayMode = WeightDecayMode.Decoupled, LearningRateInitial = 0.05f, LearningRateFinal = 0.02f,
        }),
        ["unit subsets r=2 + later layers, fixed rms, temperature, noise seed"] = (Tiny, Base with
        {
            Rank = 2, FirstLayerUnits = 3, LaterLayerPairs = 2, FixedWeightRms = true, FitnessTemperature = 2f, NoiseSeed = 99,
        }),
        ["rank 1 + later layers, decoupled decay"] = (Tiny, Base with { Rank = 1, Pairs = 2, LaterLayerPairs = 3, DecayMode = WeightDecayMode.Decoupled }),
        ["two layers: unit subsets + later layers"] = (new NetworkArchitecture([8, 6, 3]), Base with { Rank = 1, FirstLayerUnits = 2, Pairs = 2, LaterLayerPairs = 2 }),
        ["one layer: rank 1"] = (new NetworkArchitecture([8, 3]), Base with { Rank = 1, Pairs = 2 }),
    };

    // Small on purpose: ILGPU's CPU accelerator simulates every device thread, so a test's cost is its threads.
    private static EvolutionSettings Base => new()
    {
        Pairs = 3, BatchSize = 8, Generations = 8, Seed = 7, SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.01f, LearningRateFinal = 0.005f,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generations_on_the_device_equal_the_cpu_engines(string name)
    {
        (NetworkArchitecture net, EvolutionSettings settings) = CaseSettings[name];
        using DatasetSplits data = SyntheticTasks.Parity(8, seed: 3);
        var cpu = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = 2 });
        using var device = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(net, settings.Seed), settings);
        Compare(cpu, device, data.Train, 2, name);
        Assert.Equal(Math.Max(settings.Pairs, settings.LaterLayerPairs), device.LastChunkPairs);
    }

    [Fact]
    public void A_first_layer_wider_than_the_devices_k_slices_equals_the_cpu_engine()
    {
        // 100 inputs: seven 16-deep k-slices of the device GEMM; unit subsets and later layers on random "images".
        var net = new NetworkArchitecture([100, 12, 12, 10]);
        using LabeledImages images = RandomImages(12, 20);
        var settings = new EvolutionSettings { Pairs = 2, LaterLayerPairs = 2, FirstLayerUnits = 4, BatchSize = 6, Generations = 3, Rank = 1, Seed = 11 };
        var cpu = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = 2 });
        using var device = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(net, settings.Seed), settings);
        Compare(cpu, device, images, 2, "100-12-12-10");
    }

    [Fact]
    public void A_budget_of_one_pair_per_chunk_gives_the_same_bits()
    {
        (NetworkArchitecture net, EvolutionSettings settings) = CaseSettings["unit subsets r=2 + later layers, fixed rms, temperature, noise seed"];
        using DatasetSplits data = SyntheticTasks.Parity(8, seed: 3);
        long resident, perPair;
        using (var probe = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(net, settings.Seed), settings))
        {
            (resident, perPair, _) = probe.MemoryPlan(data.Train, settings.BatchSize);
        }

        using IlgpuBackend tight = IlgpuFixture.Create(resident + perPair + (perPair / 2));
        var cpu = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = 2 });
        using var device = new DeviceEvolutionSession(tight, NetworkParameters.Initialize(net, settings.Seed), settings);
        Compare(cpu, device, data.Train, 2, "one pair per chunk");
        Assert.Equal(1, device.LastChunkPairs);
        Assert.True(tight.AllocatedBytes <= tight.MemoryBudgetBytes);
    }

    [Fact]
    public void A_budget_below_one_pair_names_the_bytes_needed()
    {
        EvolutionSettings settings = Base with { Rank = 1 };
        using DatasetSplits data = SyntheticTasks.Parity(8, seed: 3);
        long resident, perPair;
        using (var probe = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(Tiny, settings.Seed), settings))
        {
            (resident, perPair, _) = probe.MemoryPlan(data.Train, settings.BatchSize);
        }

        using IlgpuBackend tight = IlgpuFixture.Create(resident + (perPair / 2));
        using var device = new DeviceEvolutionSession(tight, NetworkParameters.Initialize(Tiny, settings.Seed), settings);
        DeviceMemoryExceededException error = Assert.Throws<DeviceMemoryExceededException>(() => device.Step(data.Train));
        Assert.Contains("One pair of", error.Message, StringComparison.Ordinal);
        Assert.Equal(resident + perPair, error.RequiredBytes);
        Assert.Equal(0, device.Generation);
    }

    [Fact]
    public void A_checkpoint_resumes_on_the_device_or_the_cpu_engine_with_the_bits_of_a_straight_run()
    {
        (NetworkArchitecture net, EvolutionSettings settings) = CaseSettings["rank 1 + later layers, decoupled decay"];
        using DatasetSplits data = SyntheticTasks.Parity(8, seed: 4);
        var straight = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = 2 });
        for (int g = 0; g < 4; g++)
        {
            straight.Step(data.Train);
        }

        Checkpoint saved;
        using (var first = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(net, settings.Seed), settings))
        {
            first.Step(data.Train);
            first.Step(data.Train);
            saved = SafetensorsRoundTrip(EvolutionCheckpoint.Capture(first, 1.5));
        }

        using DeviceEvolutionSession onDevice = DeviceEvolutionSession.Resume(saved, fixture.Backend);
        EvolutionTrainer onCpu = EvolutionCheckpoint.Resume(saved, new EngineSettings { MaxThreads = 1 });
        Assert.Equal(2, onDevice.Generation);
        for (int g = 2; g < 4; g++)
        {
            onDevice.Step(data.Train);
            onCpu.Step(data.Train);
        }

        foreach (IEvolutionRun resumed in new IEvolutionRun[] { onDevice, onCpu })
        {
            Reference.SameBits(straight.Parameters.Values, resumed.Parameters.Values, $"θ resumed on {resumed.Description}");
            Reference.SameBits(straight.AdamFirstMoment, resumed.AdamFirstMoment, $"m resumed on {resumed.Description}");
            Reference.SameBits(straight.AdamSecondMoment, resumed.AdamSecondMoment, $"v resumed on {resumed.Description}");
            Assert.Equal(straight.AdamStep, resumed.AdamStep);
        }
    }

    [Fact]
    public void Bad_settings_state_and_data_are_refused_with_the_hosts_messages()
    {
        var single = new NetworkArchitecture([8, 3]);
        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(single, 1), Base with { FirstLayerUnits = 2 }));
        Assert.Contains("at least two layers", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() =>
            new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(single, 1), Base with { LaterLayerPairs = 2 }));
        Assert.Contains("at least two layers", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(Tiny, 1), Base with { Pairs = 0 }));
        error = Assert.Throws<ArgumentException>(() => new DeviceEvolutionSession(
            fixture.Backend, NetworkParameters.Initialize(Tiny, 1), Base with { SigmaLayerScales = new(Enumerable.Range(0, Tiny.LayerCount).Select(l => l == 0 ? 2f : 1f)) }));
        Assert.Contains("σ per layer (2,", error.Message, StringComparison.Ordinal);
        Assert.Contains("CPU engine", error.Message, StringComparison.Ordinal);

        using var session = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(Tiny, 1), Base);
        error = Assert.Throws<ArgumentException>(() => session.Restore(3, new float[Tiny.ParameterCount - 1], new float[Tiny.ParameterCount], 3));
        Assert.Contains($"Adam state for {Tiny.ParameterCount} parameters", error.Message, StringComparison.Ordinal);
        using LabeledImages images = RandomImages(4, 1);
        error = Assert.Throws<ArgumentException>(() => session.Step(images));
        Assert.Contains("takes 8 inputs; the data has 100 features", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, session.Generation);
    }

    // Rows of 10 x 10 random "pixels" with 10 classes.
    internal static LabeledImages RandomImages(int rows, ulong seed)
    {
        MemoryOwner<float> pixels = MemoryOwner<float>.Allocate(rows * 100);
        Seeded.Uniform(rows * 100, seed, 0f, 1f).CopyTo(pixels.Span);
        return new LabeledImages(pixels, Seeded.Labels(rows, 10, seed + 1), 10, 10, 10, new DataProvenance("random test images", null, null, null, null, ChecksumStatus.Generated));
    }

    // Steps both runs `generations` times; every generation's fitnesses and metrics, and the final θ and Adam state, must have the same bits.
    internal static void Compare(IEvolutionRun cpu, IEvolutionRun device, LabeledImages data, int generations, string what)
    {
        bool moved = false;
        float[] start = cpu.Parameters.Values.ToArray();
        for (int g = 0; g < generations; g++)
        {
            GenerationSummary expected = cpu.Step(data), actual = device.Step(data);
            double[] fitness = cpu.Fitness.ToArray();
            Assert.True(fitness.Distinct().Count() > fitness.Length / 2, $"{what}: the members should differ");
            Assert.Equal(Bits(fitness), Bits(device.Fitness.ToArray()));
            Assert.Equal(expected with { Seconds = 0 }, actual with { Seconds = 0 });
            moved |= !cpu.Parameters.Values.AsSpan().SequenceEqual(start);
        }

        Assert.True(moved, $"{what}: θ should move");
        Assert.Equal(cpu.Generation, device.Generation);
        Reference.SameBits(cpu.Parameters.Values, device.Parameters.Values, $"{what}: θ after {generations} generations");
        Reference.SameBits(cpu.AdamFirstMoment, device.AdamFirstMoment, $"{what}: Adam m");
        Reference.SameBits(cpu.AdamSecondMoment, device.AdamSecondMoment, $"{what}: Adam v");
        Assert.Equal(cpu.AdamStep, device.AdamStep);
    }

    private static Checkpoint SafetensorsRoundTrip(Checkpoint checkpoint)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-device-resume-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, checkpoint);
            return SafetensorsCheckpoint.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ulong[] Bits(double[] values) => values.Select(BitConverter.DoubleToUInt64Bits).ToArray();
}
