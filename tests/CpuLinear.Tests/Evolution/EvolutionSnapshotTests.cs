using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// θ's bits after a few generations, committed: CI runs this suite on the widest kernel path, without AVX-512
/// and without AVX2/FMA, so the same snapshot pins the ES arithmetic to be independent of vector width.
/// </summary>
public sealed class EvolutionSnapshotTests
{
    [Fact]
    public void Three_generations_give_the_committed_bits_at_full_rank_low_rank_and_with_unit_subsets()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var net = new NetworkArchitecture([4, 24, 19, 2]);
        var lines = new List<string>();
        foreach ((int rank, int units) in new[] { (0, 0), (1, 0), (2, 0), (1, 5) })
        {
            var settings = new EvolutionSettings
            {
                Pairs = 6, BatchSize = 16, Generations = 10, Rank = rank, FirstLayerUnits = units, Seed = 9,
                SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.03f, LearningRateFinal = 0.01f,
            };
            EvolutionTrainer trainer = EvolutionTestData.Run(net, settings, data.Train, 3, threads: 2);
            lines.Add($"rank {rank} units {units}: {EvolutionTestData.Hex(trainer.Parameters.Values)}");
        }

        CommittedSnapshot.Match(lines, "Evolution", "EvolutionSnapshotTests.ThreeGenerations.snap");
    }
}
