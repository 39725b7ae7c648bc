using CpuLinear.Checkpoints;
using CpuLinear.Evolution;
using CpuLinear.Training;
using Orleans.TestingHost;

namespace CpuLinear.Cluster.Tests;

/// <summary>
/// ES on an in-process Orleans cluster of 3 silos (uneven weights, so uneven splits) against the same run in one
/// process: θ, Adam's state, every generation's fitnesses and the checkpoint bytes must be identical, whatever
/// happens to the silos.
/// </summary>
public sealed class InProcessClusterTests
{
    public static TheoryData<int, int, bool> Kinds => new()
    {
        { 0, 0, false }, // full rank
        { 1, 0, false }, // rank 1 (EGGROLL)
        { 1, 8, true },  // 8-unit first-layer subsets, hidden weights held at their RMS (projection on every replica)
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Three_silos_give_the_bits_of_one_process(int rank, int units, bool fixedRms)
    {
        EvolutionSettings settings = ClusterRuns.Settings(rank, units, fixedRms);
        var expected = ClusterRuns.OneProcess(settings);
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync();
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster);
        var actual = ClusterRuns.Run(ClusterRuns.Trainer(settings, evaluator), evaluator);

        ClusterRuns.AssertSameBits(expected.Checkpoints, actual.Checkpoints, expected.Fitness, actual.Fitness);
        Assert.All(actual.Reports, r => Assert.Equal(3, r.Silos.Count));
        Assert.All(actual.Reports, r => Assert.Equal(settings.Pairs, r.Silos.Sum(s => s.Pairs)));
        // Weighted 1 : 2 : 3: 24 pairs split 4, 8, 12.
        Assert.Equal([4, 8, 12], actual.Reports[^1].Silos.Select(s => s.Pairs).Order());
        // Only the first generation sends replicas; later ones send orders and fitness vectors only.
        Assert.True(actual.Reports[0].SyncBytes > 0);
        Assert.All(actual.Reports.Skip(1), r => Assert.Equal(0, r.SyncBytes));
    }

    [Fact]
    public async Task A_second_run_on_the_same_cluster_gets_its_own_replicas_and_the_bits_of_one_process()
    {
        // reproduce runs two ES trainings through one connection: the second must not be checked against the
        // first run's replicas (it once stopped with a divergence at its generation 0).
        EvolutionSettings first = ClusterRuns.Settings(rank: 1), second = ClusterRuns.Settings(rank: 0) with { Seed = 9, Generations = 6 };
        var expected = ClusterRuns.OneProcess(second);
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync();
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster);
        ClusterRuns.Run(ClusterRuns.Trainer(first, evaluator), evaluator, generations: 3);
        string firstRun = evaluator.RunId;
        var actual = ClusterRuns.Run(ClusterRuns.Trainer(second, evaluator), evaluator);

        Assert.NotEqual(firstRun, evaluator.RunId);
        ClusterRuns.AssertSameBits(expected.Checkpoints, actual.Checkpoints, expected.Fitness, actual.Fitness);
        Assert.True(actual.Reports[0].SyncBytes > 0);
    }

    [Fact]
    public async Task Killing_a_silo_in_generation_10_changes_nothing()
    {
        EvolutionSettings settings = ClusterRuns.Settings();
        var expected = ClusterRuns.OneProcess(settings);
        using var evaluating = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        string? victim = null;
        // The victim has evaluated its range of generation 10 and is killed before it can reply.
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync(faults: name =>
        {
            if (victim is not null)
            {
                return null;
            }

            victim = name;
            return new SiloFaults(10, (_, _, _) =>
            {
                evaluating.Set();
                release.Wait(TimeSpan.FromMinutes(2));
            });
        });
        var log = new StringWriter();
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster, TextWriter.Synchronized(log), deadline: TimeSpan.FromSeconds(2));
        Task kill = Task.CompletedTask;
        evaluator.BeforeDispatch = g =>
        {
            if (g == 10)
            {
                kill = Task.Run(async () =>
                {
                    Assert.True(evaluating.Wait(TimeSpan.FromMinutes(1)), "the victim never evaluated generation 10");
                    await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Name == victim));
                });
            }

            return g == 11 ? kill : Task.CompletedTask;
        };
        try
        {
            var actual = ClusterRuns.Run(ClusterRuns.Trainer(settings, evaluator), evaluator);

            ClusterRuns.AssertSameBits(expected.Checkpoints, actual.Checkpoints, expected.Fitness, actual.Fitness);
            Assert.Equal(3, actual.Reports[9].Silos.Count);
            Assert.True(actual.Reports[10].Reassigned > 0, log.ToString());
            Assert.All(actual.Reports.Skip(11), r => Assert.True(r.Silos.Count == 2, log.ToString()));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task A_stalled_silo_misses_the_deadline_and_its_members_are_evaluated_elsewhere()
    {
        EvolutionSettings settings = ClusterRuns.Settings();
        var expected = ClusterRuns.OneProcess(settings);
        using var release = new ManualResetEventSlim();
        var stall = new OneFaultySilo(new SiloFaults(10, (_, _, _) => release.Wait(TimeSpan.FromMinutes(2))));
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync(faults: stall.For);
        var log = new StringWriter();
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster, TextWriter.Synchronized(log), deadline: TimeSpan.FromSeconds(1));
        try
        {
            var actual = ClusterRuns.Run(ClusterRuns.Trainer(settings, evaluator), evaluator);
            ClusterRuns.AssertSameBits(expected.Checkpoints, actual.Checkpoints, expected.Fitness, actual.Fitness);
            Assert.True(stall.Faults.Fired);
            Assert.True(actual.Reports[10].Reassigned > 0);
            Assert.Contains("deadline", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task A_NaN_fitness_from_a_silo_is_rejected_logged_and_evaluated_elsewhere()
    {
        EvolutionSettings settings = ClusterRuns.Settings();
        var expected = ClusterRuns.OneProcess(settings);
        var nan = new OneFaultySilo(new SiloFaults(10, (_, f, _) => f[1] = double.NaN));
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync(faults: nan.For);
        var log = new StringWriter();
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster, TextWriter.Synchronized(log));
        var actual = ClusterRuns.Run(ClusterRuns.Trainer(settings, evaluator), evaluator);

        ClusterRuns.AssertSameBits(expected.Checkpoints, actual.Checkpoints, expected.Fitness, actual.Fitness);
        Assert.True(nan.Faults.Fired);
        Assert.True(actual.Reports[10].Rejected == 1, $"{actual.Reports[10].Rejected} rejections at generation 10:\n{log}");
        Assert.Contains("NaN", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_whose_theta_differs_stops_the_run()
    {
        EvolutionSettings settings = ClusterRuns.Settings();
        var drift = new OneFaultySilo(new SiloFaults(5, (_, _, theta) => theta[0] += 1e-3f));
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync(faults: drift.For);
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster);
        EvolutionTrainer trainer = ClusterRuns.Trainer(settings, evaluator);

        var error = Assert.Throws<ClusterDivergenceException>(() => ClusterRuns.Run(trainer, evaluator));
        Assert.Contains("generation 6", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, trainer.Generation);
    }

    [Fact]
    public async Task A_coordinator_without_the_secret_gets_no_work_done()
    {
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync();
        var log = new StringWriter();
        using ClusterPopulationEvaluator evaluator = ClusterRuns.Evaluator(cluster, TextWriter.Synchronized(log), secret: "wrong");
        EvolutionTrainer trainer = ClusterRuns.Trainer(ClusterRuns.Settings(), evaluator);

        var error = Assert.Throws<InvalidOperationException>(() => ClusterRuns.Run(trainer, evaluator));
        Assert.Contains("no silo is left", error.Message, StringComparison.Ordinal);
        Assert.Contains("MAC", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, trainer.Generation);
    }

    [Fact]
    public async Task A_joining_silo_catches_up_and_a_resumed_coordinator_continues_with_the_same_bits()
    {
        EvolutionSettings settings = ClusterRuns.Settings();
        var expected = ClusterRuns.OneProcess(settings);
        await using InProcessTestCluster cluster = await ClusterRuns.StartAsync(silos: 2);
        using ClusterPopulationEvaluator first = ClusterRuns.Evaluator(cluster);
        first.BeforeDispatch = g => g == 5 ? cluster.StartAdditionalSiloAsync() : Task.CompletedTask;
        var before = ClusterRuns.Run(ClusterRuns.Trainer(settings, first), first, generations: 10);

        // The coordinator "dies" after generation 10; a new one resumes from its checkpoint (a new session).
        Checkpoint saved = SafetensorsCheckpoint.Parse("resume", before.Checkpoints[^1]);
        using ClusterPopulationEvaluator second = ClusterRuns.Evaluator(cluster);
        EvolutionTrainer resumed = EvolutionCheckpoint.Resume(saved, ClusterRuns.OneThread, second);
        var after = ClusterRuns.Run(resumed, second);

        ClusterRuns.AssertSameBits(expected.Checkpoints, [.. before.Checkpoints, .. after.Checkpoints], expected.Fitness, [.. before.Fitness, .. after.Fitness]);
        Assert.Contains(before.Reports.Skip(5), r => r.Silos.Count == 3 && r.SyncBytes > 0);
        Assert.True(after.Reports[0].SyncBytes > 0);
    }
}
