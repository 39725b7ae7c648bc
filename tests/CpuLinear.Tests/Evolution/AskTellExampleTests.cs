using CpuLinear.Evolution;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// The ask/tell example of docs/ask-tell.md, run as a test: ES on a function of a plain vector, with no network
/// and no evaluator, and a save/restore in the middle that must not change a bit. The documentation shows
/// exactly the code between the markers (a test checks that too).
/// </summary>
public sealed class AskTellExampleTests
{
    // begin example
    // Maximise f(θ) = −Σᵢ (θᵢ − i/10)²: ES only ever sees f's values.
    static double Fitness(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - (i / 10.0);
            sum += d * d;
        }

        return -sum; // higher is better
    }

    static float[] Solve(int generations, EvolutionStrategy? resumeFrom = null)
    {
        var settings = new EvolutionSettings
        {
            Pairs = 32, Generations = 400, SigmaInitial = 0.1f, SigmaFinal = 0.01f,
            LearningRateInitial = 0.05f, LearningRateFinal = 0.002f, WeightDecay = 0, Seed = 7,
        };
        float[] theta = resumeFrom is null ? new float[20] : (float[])resumeFrom.Theta.Clone();
        var es = new EvolutionStrategy(theta, settings); // full-rank noise over θ
        if (resumeFrom is not null)
        {
            // θ, Adam's state and the generation are the whole state: the run continues with the same bits.
            es.Restore(resumeFrom.Generation, resumeFrom.Optimizer.FirstMoment, resumeFrom.Optimizer.SecondMoment, resumeFrom.Optimizer.Step);
        }

        var member = new float[theta.Length];
        var fitness = new double[es.PopulationSize];
        while (es.Generation < generations)
        {
            GenerationRequest g = es.Ask();
            var noise = (FullRankNoise)g.Noise;
            for (int m = 0; m < g.Members; m++)
            {
                noise.WriteMember(theta, m / 2, g.ScaleOf(m), member); // θ ± σεⱼ
                fitness[m] = Fitness(member);
            }

            es.Tell(fitness);
        }

        return es.Theta;
    }
    // end example

    [Fact]
    public void Es_finds_the_maximum_of_a_function_it_only_evaluates()
    {
        float[] start = new float[20];
        float[] found = Solve(400);
        Assert.True(Fitness(found) > Fitness(start) / 100, $"f went from {Fitness(start)} to {Fitness(found)}; ES should close 99% of the gap.");
    }

    [Fact]
    public void A_restored_strategy_continues_with_the_same_bits()
    {
        var settings = new EvolutionSettings { Pairs = 32, Generations = 400, SigmaInitial = 0.1f, SigmaFinal = 0.01f, LearningRateInitial = 0.05f, LearningRateFinal = 0.002f, WeightDecay = 0, Seed = 7 };
        float[] halfway = new float[20];
        var first = new EvolutionStrategy(halfway, settings);
        var fitness = new double[first.PopulationSize];
        var member = new float[20];
        while (first.Generation < 150)
        {
            GenerationRequest g = first.Ask();
            for (int m = 0; m < g.Members; m++)
            {
                ((FullRankNoise)g.Noise).WriteMember(halfway, m / 2, g.ScaleOf(m), member);
                fitness[m] = Fitness(member);
            }

            first.Tell(fitness);
        }

        float[] straight = Solve(300);
        float[] resumed = Solve(300, resumeFrom: first);
        Assert.Equal(EvolutionTestData.Hex(straight), EvolutionTestData.Hex(resumed));
        Assert.NotEqual(EvolutionTestData.Hex(halfway), EvolutionTestData.Hex(resumed));
    }

    [Fact]
    public void Tell_refuses_what_does_not_belong_to_the_asked_generation()
    {
        var es = new EvolutionStrategy(new float[4], new EvolutionSettings { Pairs = 2, Seed = 1 });
        Assert.Throws<InvalidOperationException>(() => es.Tell(new double[4]));
        es.Ask();
        Assert.Throws<ArgumentException>(() => es.Tell(new double[3]));
        ArgumentException nan = Assert.Throws<ArgumentException>(() => es.Tell([0, double.NaN, 0, 0]));
        Assert.Contains("member 1", nan.Message, StringComparison.Ordinal);
        Assert.Equal(0, es.Generation);
    }

    [Fact]
    public void The_documentation_shows_the_example_that_runs_here()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "CpuLinear.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root (CpuLinear.sln) is not above the test binaries.");
        }

        string source = File.ReadAllText(Path.Combine(root, "tests", "CpuLinear.Tests", "Evolution", "AskTellExampleTests.cs"));
        int begin = source.IndexOf("// begin example", StringComparison.Ordinal), end = source.IndexOf("// end example", StringComparison.Ordinal);
        string example = string.Join('\n', source[(source.IndexOf('\n', begin) + 1)..end].Split('\n').Select(l => l.Length >= 4 ? l[4..] : l.TrimStart())).TrimEnd();
        string doc = File.ReadAllText(Path.Combine(root, "docs", "ask-tell.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(example.Replace("\r\n", "\n", StringComparison.Ordinal), doc, StringComparison.Ordinal);
    }
}
