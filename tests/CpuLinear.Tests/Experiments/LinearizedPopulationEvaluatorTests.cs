using CpuLinear.Checkpoints;
using CpuLinear.Cli.Commands;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Training;

namespace CpuLinear.Tests.Experiments;

/// <summary>The diagnostic evaluator that scores members by the first-order model of the loss along a backprop gradient.</summary>
public sealed class LinearizedPopulationEvaluatorTests() : TemporaryFolderTest("cpulinear-linearized-")
{
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    public static TheoryData<string> Kinds => ["full-rank", "low-rank", "rank-3", "unit-subset", "later-layers", "blocks"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_members_fitness_is_minus_the_loss_minus_sigma_times_the_gradient_along_its_written_out_direction(string kind)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var theta = NetworkParameters.Initialize(Net, 2);
        for (int i = 0; i < theta.Values.Length; i++)
        {
            // Biases away from 0 so the FTZ-aware gradient has bias terms too.
            theta.Values[i] += Net.ParameterCount - i < 50 ? 0.8f : 0;
        }

        PopulationNoise noise = kind == "later-layers" ? new LaterLayerNoise(Net, 1, 5, 4) : PopulationNoise.For(Net, Settings(kind));
        noise.Draw(1);
        var batch = new Minibatch();
        new EvolutionMinibatches(16, 3).Gather(data.Train, 1, batch);
        const float sigma = 0.05f;
        var generation = new GenerationRequest(1, sigma, 0.01f, noise);
        double[] fitness = new double[2 * noise.Pairs];
        using var evaluator = new LinearizedPopulationEvaluator(GradientMode.FtzAware, new EngineSettings { MaxThreads = 2 });
        Assert.Null(evaluator.Evaluate(theta, generation, batch, 0, noise.Pairs, fitness));

        float[] gradient = new float[Net.ParameterCount];
        double loss = new BackpropTrainer(theta.Clone(), GradientMode.FtzAware).ComputeGradient(batch.Inputs, batch.Labels, gradient, out _);
        bool moved = false;
        for (int j = 0; j < noise.Pairs; j++)
        {
            // εⱼ written out: the combine of one-hot weights.
            float[] weights = new float[noise.Pairs], direction = new float[Net.ParameterCount];
            weights[j] = 1;
            noise.Combine(weights, direction);
            if (noise is LowRankNoise scaled)
            {
                // Combine gives the unit noise (the estimate's convention); the member moves c_l times it on layer l.
                for (int l = 0; l < Net.LayerCount; l++)
                {
                    float c = scaled.LayerScale(l);
                    for (int i = Net.WeightOffset(l); i < Net.BiasOffset(l) + Net.Widths[l + 1]; i++)
                    {
                        direction[i] *= c;
                    }
                }
            }

            double along = 0, scale = 0;
            for (int i = 0; i < direction.Length; i++)
            {
                along += (double)gradient[i] * direction[i];
                scale += Math.Abs((double)gradient[i] * direction[i]);
            }

            double tolerance = 1e-5 * scale * sigma;
            Assert.InRange(fitness[2 * j] - (-(loss + (sigma * along))), -tolerance, tolerance);
            Assert.InRange(fitness[(2 * j) + 1] - (-(loss - (sigma * along))), -tolerance, tolerance);
            moved |= Math.Abs(along) > 1e-6;
        }

        Assert.True(moved);

        // The same bits on one thread, and for a range evaluated on its own.
        double[] single = new double[fitness.Length], tail = new double[2 * (noise.Pairs - 2)];
        using (var one = new LinearizedPopulationEvaluator(GradientMode.FtzAware, new EngineSettings { MaxThreads = 1 }))
        {
            one.Evaluate(theta, generation, batch, 0, noise.Pairs, single);
            one.Evaluate(theta, generation, batch, 2, noise.Pairs - 2, tail);
        }

        Assert.Equal(fitness, single);
        Assert.Equal(fitness.Skip(4), tail);
    }

    [Fact]
    public void The_centre_is_scored_on_the_minibatch_and_a_temperature_is_refused()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var theta = NetworkParameters.Initialize(Net, 2);
        PopulationNoise noise = PopulationNoise.For(Net, Settings("low-rank"));
        noise.Draw(0);
        var batch = new Minibatch();
        new EvolutionMinibatches(16, 3).Gather(data.Train, 0, batch);
        using var evaluator = new LinearizedPopulationEvaluator(GradientMode.StraightThrough);
        var centre = evaluator.Evaluate(theta, new GenerationRequest(0, 0.1f, 0.01f, noise), batch, 0, noise.Pairs, new double[2 * noise.Pairs], scoreCentre: true);
        float[] unused = new float[Net.ParameterCount];
        double loss = new BackpropTrainer(theta.Clone(), GradientMode.StraightThrough).ComputeGradient(batch.Inputs, batch.Labels, unused, out int correct);
        Assert.Equal(loss, centre!.Value.Loss);
        Assert.Equal(correct / 16.0, centre.Value.Accuracy);
        Assert.Contains("straight-through", evaluator.Description, StringComparison.Ordinal);
        NotSupportedException error = Assert.Throws<NotSupportedException>(() =>
            evaluator.Evaluate(theta, new GenerationRequest(0, 0.1f, 0.01f, noise) { Temperature = 2 }, batch, 0, noise.Pairs, new double[2 * noise.Pairs]));
        Assert.Contains("temperature of 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_takes_the_option_names_its_checkpoint_after_it_and_refuses_junk_and_devices()
    {
        string[] common = ["train", "--method", "es", "--dataset", "parity4", "--generations", "3", "--pairs", "4", "--rank", "1", "--es-batch", "16", "--threads", "2", "--out", Folder];
        (int exit, string output, string errors) = Run([.. common, "--linearized-fitness", "ftz-aware"]);
        Assert.True(exit == 0, errors);
        Assert.Contains("first-order model of the loss along the ftz-aware gradient", output);
        Checkpoint written = SafetensorsCheckpoint.Read(Path.Combine(Folder, "es-linearized-ftz-aware.safetensors"));
        Assert.Equal(3, written.Step);

        (exit, _, errors) = Run([.. common, "--linearized-fitness", "sideways"]);
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains("--linearized-fitness takes ftz-aware, straight-through or pure-linear; got 'sideways'", errors);
        (exit, _, errors) = Run([.. common, "--linearized-fitness", "ftz-aware", "--backend", "ilgpu-cpu"]);
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains("CPU engine only", errors);
    }

    private static EvolutionSettings Settings(string kind) => kind switch
    {
        "full-rank" => new EvolutionSettings { Pairs = 5, Rank = 0, Seed = 4 },
        "low-rank" => new EvolutionSettings { Pairs = 5, Rank = 1, Seed = 4 },
        "rank-3" => new EvolutionSettings { Pairs = 5, Rank = 3, Seed = 4, SigmaLayerScales = new([2f, 1f, 0.5f]) },
        "unit-subset" => new EvolutionSettings { Pairs = 5, Rank = 1, FirstLayerUnits = 6, Seed = 4 },
        _ => new EvolutionSettings { Pairs = 3, Rank = 1, FirstLayerUnits = 6, LaterLayerPairs = 4, Seed = 4 },
    };

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => TrainCommand.Create(c, e)], args);
}
