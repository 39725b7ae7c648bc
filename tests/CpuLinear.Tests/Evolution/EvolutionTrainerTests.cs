using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Evolution;

public sealed class EvolutionTrainerTests
{
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_generation_is_the_same_bits_on_one_two_and_three_threads(int rank)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings(rank);
        string one = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 1).Parameters.Values);
        string two = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 2).Parameters.Values);
        string three = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 3).Parameters.Values);
        Assert.Equal(one, two);
        Assert.Equal(one, three);
        Assert.NotEqual(EvolutionTestData.Hex(NetworkParameters.Initialize(Net, settings.Seed).Values), one);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_run_resumed_from_a_checkpoint_file_ends_with_the_same_bits(int rank)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings(rank);
        EvolutionTrainer straight = EvolutionTestData.Run(Net, settings, data.Train, 6, threads: 2);

        EvolutionTrainer first = EvolutionTestData.Run(Net, settings, data.Train, 3, threads: 2);
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-es-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, EvolutionCheckpoint.Capture(first));
            EvolutionTrainer resumed = EvolutionCheckpoint.Resume(SafetensorsCheckpoint.Read(path), new EngineSettings { MaxThreads = 1 });
            Assert.Equal(3, resumed.Generation);
            Assert.Equal(settings, resumed.Settings);
            for (int g = 0; g < 3; g++)
            {
                resumed.Step(data.Train);
            }

            Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
            Assert.Equal(EvolutionTestData.Hex(straight.Optimizer.SecondMoment), EvolutionTestData.Hex(resumed.Optimizer.SecondMoment));
            Assert.Equal(straight.Optimizer.Step, resumed.Optimizer.Step);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Different_seeds_draw_different_members()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        // Same initial θ (seed 1), different noise seeds: the first update must differ.
        var a = new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), Settings(1) with { Seed = 1 });
        var b = new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), Settings(1) with { Seed = 2 });
        a.Step(data.Train);
        b.Step(data.Train);
        Assert.NotEqual(EvolutionTestData.Hex(a.Parameters.Values), EvolutionTestData.Hex(b.Parameters.Values));
    }

    [Fact]
    public void The_schedules_run_from_initial_to_final_geometrically()
    {
        var s = new EvolutionSettings { Generations = 101, SigmaInitial = 0.04f, SigmaFinal = 0.01f, LearningRateInitial = 0.1f, LearningRateFinal = 0.001f };
        Assert.Equal(0.04f, s.SigmaAt(0));
        Assert.Equal(0.02f, s.SigmaAt(50), 6);
        Assert.Equal(0.01f, s.SigmaAt(100), 6);
        Assert.Equal(0.01f, s.LearningRateAt(50), 6);
        Assert.Equal(0.001f, s.LearningRateAt(1000), 6);
    }

    private static EvolutionSettings Settings(int rank) => new()
    {
        Pairs = 9, BatchSize = 7, Generations = 20, Rank = rank, Seed = 5,
        SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.03f, LearningRateFinal = 0.01f,
    };
}
