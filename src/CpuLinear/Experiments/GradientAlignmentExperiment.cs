using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Training;

namespace CpuLinear.Experiments;

/// <summary>
/// How good an ES estimate is, measured where ES runs: at one θ and one generation's minibatch, the estimate ĝ of
/// populations of several sizes (each twice, from independent noise) is compared with the gradient of the same
/// minibatch's mean loss under the literal program (FTZ-aware: the dead zones' true derivative, zero inside them) and
/// with the straight-through gradient, block by block (docs/evolution.md, "How good is one ES estimate").
/// </summary>
/// <remarks>
/// The estimate is the one <see cref="EvolutionStrategy.Tell"/> makes (members on the CPU engine, the run's fitness
/// shaping, <see cref="PopulationNoise.Estimate"/>) before any weight decay or optimiser. The gradients are
/// <see cref="BackpropTrainer.ComputeGradient"/>'s. Everything is reduced in index order, so the figures depend on the
/// settings alone, not on the thread count.
/// </remarks>
public static class GradientAlignmentExperiment
{
    // The second estimate's noise seed: the first's plus a fixed odd constant, so the two never share a stream.
    private const ulong SecondSeedOffset = 0x9E37_79B9_7F4A_7C15;

    /// <summary>Measures every population size of <paramref name="settings"/> at <paramref name="theta"/>.</summary>
    /// <param name="theta">The network measured (not changed).</param>
    /// <param name="train">The data the minibatch is drawn from (the run's training set).</param>
    /// <param name="settings">What to measure.</param>
    /// <param name="progress">Told after each population size (may be null).</param>
    /// <returns>One row per population size and block (each layer's weights and bias, then all of θ).</returns>
    /// <exception cref="ArgumentException">Invalid settings, or data of another shape than the network.</exception>
    public static IReadOnlyList<GradientAlignmentRow> Run(NetworkParameters theta, LabeledImages train, GradientAlignmentSettings settings, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        NetworkArchitecture net = theta.Architecture;
        if (train.Features != net.Inputs)
        {
            throw new ArgumentException($"The {net} network takes {net.Inputs} inputs; the data has {train.Features} features.", nameof(train));
        }

        var engine = new EngineSettings { MaxThreads = settings.Threads };
        EvolutionSettings members = settings.Members;
        var batch = new Minibatch();
        new EvolutionMinibatches(members.BatchSize, members.Seed).Gather(train, settings.Generation, batch);

        float[] ftzAware = Gradient(theta, GradientMode.FtzAware, batch, engine);
        float[] straightThrough = Gradient(theta, GradientMode.StraightThrough, batch, engine);
        (string Name, int From, int Length)[] blocks = Blocks(net);

        var rows = new List<GradientAlignmentRow>();
        using var evaluator = new CpuPopulationEvaluator(engine);
        foreach (int pairs in settings.PairCounts)
        {
            EvolutionSettings first = members.UsesActivityMembers
                ? members with { ActivityPairs = pairs, NoiseSeed = members.EffectiveNoiseSeed }
                : members with { Pairs = pairs, NoiseSeed = members.EffectiveNoiseSeed };
            EvolutionSettings second = first with { NoiseSeed = members.EffectiveNoiseSeed + SecondSeedOffset };
            float[] one = members.UsesActivityMembers
                ? ActivityEstimate(theta, first, settings.Generation, train, engine)
                : Estimate(theta, first, settings.Generation, batch, evaluator, engine);
            float[] two = members.UsesActivityMembers
                ? ActivityEstimate(theta, second, settings.Generation, train, engine)
                : Estimate(theta, second, settings.Generation, batch, evaluator, engine);
            foreach ((string name, int from, int length) in blocks)
            {
                ReadOnlySpan<float> a = one.AsSpan(from, length), b = two.AsSpan(from, length);
                ReadOnlySpan<float> f = ftzAware.AsSpan(from, length), s = straightThrough.AsSpan(from, length);
                rows.Add(new GradientAlignmentRow(
                    pairs, name, length,
                    (-Cosine(a, f) - Cosine(b, f)) / 2,
                    (-Cosine(a, s) - Cosine(b, s)) / 2,
                    Cosine(a, b),
                    Cosine(f, s)));
            }

            progress?.Invoke($"{pairs} pairs");
        }

        return rows;
    }

    /// <summary>cos(a, b) in double, summed in index order; 0 when either is all zeros.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Vectors of {a.Length} and {b.Length} values.");
        }

        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return aa > 0 && bb > 0 ? dot / Math.Sqrt(aa * bb) : 0;
    }

    // Each layer's weights and bias, then all of θ.
    private static (string Name, int From, int Length)[] Blocks(NetworkArchitecture net)
    {
        var blocks = new List<(string, int, int)>();
        for (int l = 0; l < net.LayerCount; l++)
        {
            blocks.Add(($"W{l + 1}", net.WeightOffset(l), net.Widths[l] * net.Widths[l + 1]));
            blocks.Add(($"b{l + 1}", net.BiasOffset(l), net.Widths[l + 1]));
        }

        blocks.Add(("all", 0, net.ParameterCount));
        return [.. blocks];
    }

    // ∇ of the minibatch's mean loss (a descent direction's negative).
    private static float[] Gradient(NetworkParameters theta, GradientMode mode, Minibatch batch, EngineSettings engine)
    {
        var gradient = new float[theta.Values.Length];
        new BackpropTrainer(theta.Clone(), mode, engine).ComputeGradient(batch.Inputs, batch.Labels, gradient, out _);
        return gradient;
    }

    // The estimate an activity-member generation makes (ActivityEvolutionRun.Estimate, λ = 0), turned into an ascent
    // direction of the fitness like Tell's: the run gathers the same (seed, generation) minibatch.
    private static float[] ActivityEstimate(NetworkParameters theta, EvolutionSettings settings, long generation, LabeledImages train, EngineSettings engine)
    {
        var run = new ActivityEvolutionRun(theta.Clone(), settings with { WeightDecay = 0, Generations = (int)Math.Max(settings.Generations, generation + 1) }, engine);
        float[] zeros = new float[theta.Values.Length];
        run.Restore(generation, zeros, zeros, 0);
        run.Step(train);
        float[] estimate = run.Estimate.ToArray();
        for (int i = 0; i < estimate.Length; i++)
        {
            estimate[i] = -estimate[i];
        }

        return estimate;
    }

    // The estimate one Tell would make for these members (an ascent direction of the fitness −loss).
    private static float[] Estimate(NetworkParameters theta, EvolutionSettings settings, long generation, Minibatch batch, CpuPopulationEvaluator evaluator, EngineSettings engine)
    {
        PopulationNoise noise = PopulationNoise.For(theta.Architecture, settings, engine);
        noise.Draw(generation, engine);
        var request = new GenerationRequest(generation, settings.SigmaAt(generation), settings.LearningRateAt(generation), noise) { Temperature = settings.FitnessTemperature };
        var fitness = new double[2 * noise.Pairs];
        evaluator.Evaluate(theta, request, batch, 0, noise.Pairs, fitness);
        var shaped = new float[fitness.Length];
        var differences = new float[noise.Pairs];
        EvolutionStrategy.PairDifferences(settings.Shaping, fitness, shaped, differences);
        var estimate = new float[theta.Values.Length];
        noise.Estimate(differences, estimate, engine);
        return estimate;
    }
}
