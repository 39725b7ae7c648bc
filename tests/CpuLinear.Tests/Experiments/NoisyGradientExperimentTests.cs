using CpuLinear.Cli.Commands;
using CpuLinear.Data;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using CpuLinear.Tests.Data;

namespace CpuLinear.Tests.Experiments;

/// <summary>The noisy-gradient experiment: backprop whose steps see a direction of a chosen cosine with the gradient.</summary>
public sealed class NoisyGradientExperimentTests() : TemporaryFolderTest("cpulinear-noisy-gradient-")
{
    [Theory]
    [InlineData(0.03)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void The_degraded_direction_has_the_cosine_asked_for_and_the_gradients_length(double cosine)
    {
        var random = new Random(3);
        float[] gradient = [.. Enumerable.Range(0, 5000).Select(_ => (float)(random.NextDouble() - 0.3))];
        float[] noise = [.. Enumerable.Range(0, 5000).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] original = (float[])gradient.Clone();
        NoisyGradientExperiment.Degrade(gradient, noise, cosine);
        Assert.Equal(cosine, GradientAlignmentExperiment.Cosine(gradient, original), 5);
        Assert.Equal(Norm(original), Norm(gradient), 3);
    }

    [Fact]
    public void A_zero_gradient_is_left_alone_and_lengths_must_match()
    {
        float[] zero = new float[4], noise = [1f, 2f, 3f, 4f];
        NoisyGradientExperiment.Degrade(zero, noise, 0.5);
        Assert.All(zero, v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => NoisyGradientExperiment.Degrade(new float[3], new float[4], 0.5));
    }

    [Fact]
    public void Runs_are_the_same_bits_on_one_and_two_threads_and_the_exact_gradient_learns_where_a_poor_one_does_not()
    {
        // MNIST through a small dead-zone network: the exact gradient learns it within a few hundred steps.
        using DatasetSplits data = RealDataRequirement.Load("mnist", "the noisy-gradient experiment trains on MNIST");
        var net = new NetworkArchitecture([784, 32, 10]);
        var settings = new NoisyGradientSettings { Gradients = [GradientMode.FtzAware], Cosines = [1, 0.01], Steps = 300, BatchSize = 32, EvaluateEvery = 100, Threads = 1 };
        IReadOnlyList<NoisyGradientPoint> one = NoisyGradientExperiment.Run(net, data, settings);
        Assert.Equal(one, NoisyGradientExperiment.Run(net, data, settings with { Threads = 2 }));
        Assert.Equal(6, one.Count);
        double exact = one.Single(p => p.Cosine == 1 && p.Step == 300).TestAccuracy, poor = one.Single(p => p.Cosine == 0.01 && p.Step == 300).TestAccuracy;
        Assert.True(exact > poor + 0.1, $"exact {exact}, cosine 0.01 {poor}");
    }

    [Fact]
    public void The_command_writes_its_csv_and_figure_and_refuses_bad_cosines()
    {
        string[] tiny = ["experiment", "noisy-gradient", "--dataset", "parity4", "--out", Folder, "--gradients", "straight-through", "--cosines", "1,0.5", "--steps", "20", "--es-batch", "8", "--evaluate-every", "10", "--threads", "1"];
        (int exit, string output, string errors) = CliRunner.Run([(c, e) => ExperimentCommand.Create(c, e)], tiny);
        Assert.True(exit == 0, errors);
        string[] lines = File.ReadAllLines(Path.Combine(Folder, "noisy-gradient.csv"));
        Assert.Equal(NoisyGradientCommand.CsvHeader, lines[0]);
        Assert.Equal(1 + 4, lines.Length);
        Assert.StartsWith("straight-through,0.5,20,", lines[^1]);
        Assert.True(File.Exists(Path.Combine(Folder, "noisy-gradient.png")));
        Assert.Contains("straight-through, cos 0.5", output);

        (exit, _, errors) = CliRunner.Run([(c, e) => ExperimentCommand.Create(c, e)], "experiment", "noisy-gradient", "--out", Path.Combine(Folder, "bad"), "--cosines", "0,1");
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains("--cosines takes numbers in (0, 1]; '0' in '0,1' is not one", errors);
    }

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));
}
