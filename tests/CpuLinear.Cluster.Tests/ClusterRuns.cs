using Microsoft.Extensions.DependencyInjection;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;
using Orleans.TestingHost;

namespace CpuLinear.Cluster.Tests;

/// <summary>The small task every cluster test runs, and the one-process run it must match bit for bit.</summary>
internal static class ClusterRuns
{
    public const string Dataset = "parity4";

    public static readonly EngineSettings OneThread = new() { MaxThreads = 1 };

    public static LabeledImages Train { get; } = Datasets.Load(Dataset, new DatasetLoadOptions { Log = TextWriter.Null }).Train;

    public static NetworkArchitecture Network => new([Train.Features, 16, 16, 2]);

    public static EvolutionSettings Settings(int rank = 0, int units = 0, bool fixedRms = false) => new()
    {
        Pairs = 24, BatchSize = 64, Generations = 20, Rank = rank, FirstLayerUnits = units, FixedWeightRms = fixedRms, Seed = 4,
        SigmaInitial = 0.1f, SigmaFinal = 0.02f, LearningRateInitial = 0.03f, LearningRateFinal = 0.003f,
    };

    /// <summary>The one-process run: its checkpoint bytes after every generation and every generation's fitnesses.</summary>
    public static (List<byte[]> Checkpoints, List<double[]> Fitness) OneProcess(EvolutionSettings settings)
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(Network, settings.Seed), settings, OneThread);
        var checkpoints = new List<byte[]>();
        var fitness = new List<double[]>();
        while (!trainer.Finished)
        {
            trainer.Step(Train);
            fitness.Add(trainer.Fitness.ToArray());
            checkpoints.Add(SafetensorsCheckpoint.ToBytes(EvolutionCheckpoint.Capture(trainer)));
        }

        return (checkpoints, fitness);
    }

    /// <summary>An in-process cluster of <paramref name="silos"/> silos whose silo i has weight i + 1 (uneven splits) and <paramref name="faults"/>.</summary>
    public static async Task<InProcessTestCluster> StartAsync(int silos = 3, Func<string, IWorkerFaults?>? faults = null, string secret = "test-secret", TextWriter? log = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        int started = 0;
        builder.ConfigureSilo((options, silo) =>
        {
            int weight = Interlocked.Increment(ref started);
            silo.AddEvolutionWorker(new WorkerOptions { Engine = OneThread, Cores = weight, Secret = secret, Log = log });
            if (faults?.Invoke(options.SiloName) is { } f)
            {
                silo.Services.AddSingleton<IWorkerFaults>(f);
            }
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static ClusterPopulationEvaluator Evaluator(InProcessTestCluster cluster, TextWriter? log = null, string secret = "test-secret", TimeSpan? deadline = null, string? runId = null) =>
        new(cluster.Client, new ClusterEvaluatorOptions
        {
            Dataset = Dataset, Secret = secret, Engine = OneThread, Log = log, Deadline = deadline ?? TimeSpan.FromSeconds(10), RunId = runId ?? Guid.NewGuid().ToString("N"),
        });

    /// <summary>Runs <paramref name="trainer"/> to its end on the cluster, recording what <see cref="OneProcess"/> records.</summary>
    public static (List<byte[]> Checkpoints, List<double[]> Fitness, List<ClusterGenerationReport> Reports) Run(EvolutionTrainer trainer, ClusterPopulationEvaluator evaluator, int? generations = null)
    {
        evaluator.Attach(trainer);
        var checkpoints = new List<byte[]>();
        var fitness = new List<double[]>();
        var reports = new List<ClusterGenerationReport>();
        for (int i = 0; !trainer.Finished && i < (generations ?? int.MaxValue); i++)
        {
            trainer.Step(Train);
            fitness.Add(trainer.Fitness.ToArray());
            checkpoints.Add(SafetensorsCheckpoint.ToBytes(EvolutionCheckpoint.Capture(trainer)));
            reports.Add(evaluator.LastReport!);
        }

        return (checkpoints, fitness, reports);
    }

    public static EvolutionTrainer Trainer(EvolutionSettings settings, ClusterPopulationEvaluator evaluator) =>
        new(NetworkParameters.Initialize(Network, settings.Seed), settings, OneThread, evaluator);

    public static void AssertSameBits(List<byte[]> expected, List<byte[]> actual, List<double[]> expectedFitness, List<double[]> actualFitness)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int g = 0; g < expected.Count; g++)
        {
            Assert.True(expectedFitness[g].AsSpan().SequenceEqual(actualFitness[g]), $"generation {g}'s fitnesses differ");
            Assert.True(expected[g].AsSpan().SequenceEqual(actual[g]), $"the checkpoint after generation {g} differs");
        }
    }
}
