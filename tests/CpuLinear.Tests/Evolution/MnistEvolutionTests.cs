using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Tests.Data;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>ES on real MNIST with the blog's network (784-512-512-10): short, but long enough to fail a trainer that does not learn.</summary>
public sealed class MnistEvolutionTests
{
    private const string Hint = "MNIST is not in the cache: run `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` first.";

    [Fact]
    public void Forty_low_rank_generations_lower_the_loss_and_pass_fifty_five_percent_test_accuracy()
    {
        using DatasetSplits mnist = RealDataRequirement.Load("mnist", Hint);
        var settings = new EvolutionSettings
        {
            Pairs = 32, BatchSize = 256, Generations = 40, Rank = 1, Seed = 1,
            SigmaInitial = 0.03f, SigmaFinal = 0.03f, LearningRateInitial = 0.01f, LearningRateFinal = 0.01f,
        };
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(NetworkArchitecture.Default, 1), settings);
        var losses = new List<double>();
        while (!trainer.Finished)
        {
            losses.Add(trainer.Step(mnist.Train).CenterLoss);
        }

        EvaluationResult test = Evaluation.Run(new FusedExecutor(), trainer.Parameters, mnist.Test, limit: 2000);
        // Chance is 10% and the initial loss 2.56; these settings measured 67.6% on the whole test set and a
        // minibatch loss near 1.0 after 40 generations (docs/evolution.md). 55% on 2000 test images fails a
        // trainer whose update has the wrong sign or no signal.
        Assert.True(test.Accuracy > 0.55, $"test accuracy {test.Accuracy:P1} after 40 generations; expected above 55%.");
        Assert.True(losses.TakeLast(5).Average() < 0.6 * losses.Take(5).Average(), $"loss went from {losses[0]:F3} to {losses[^1]:F3}.");
    }

    [Fact]
    public void Mnist_generations_are_the_same_bits_on_one_and_two_threads_and_after_resume()
    {
        using DatasetSplits mnist = RealDataRequirement.Load("mnist", Hint);
        var settings = new EvolutionSettings { Pairs = 6, BatchSize = 64, Generations = 10, Rank = 1, Seed = 3 };
        string one = EvolutionTestData.Hex(EvolutionTestData.Run(NetworkArchitecture.Default, settings, mnist.Train, 4, threads: 1).Parameters.Values);
        string two = EvolutionTestData.Hex(EvolutionTestData.Run(NetworkArchitecture.Default, settings, mnist.Train, 4, threads: 2).Parameters.Values);
        Assert.Equal(one, two);

        EvolutionTrainer half = EvolutionTestData.Run(NetworkArchitecture.Default, settings, mnist.Train, 2, threads: 2);
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-es-mnist-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, EvolutionCheckpoint.Capture(half));
            EvolutionTrainer resumed = EvolutionCheckpoint.Resume(SafetensorsCheckpoint.Read(path));
            resumed.Step(mnist.Train);
            resumed.Step(mnist.Train);
            Assert.Equal(one, EvolutionTestData.Hex(resumed.Parameters.Values));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
