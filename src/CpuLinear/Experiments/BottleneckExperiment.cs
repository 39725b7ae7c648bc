using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Parallelism;
using CpuLinear.Randomness;

namespace CpuLinear.Experiments;

/// <summary>
/// How multilinear a deep linear network is in its weights near initialisation, and what float32's flush does to
/// it: along random unit directions u (<see cref="WeightDirections"/>) the outputs f(θ₀ + R·u) on a fixed batch are
/// split into their odd and even parts in R, and the even part's size (the second-order term) is compared with the
/// odd part's (the first-order term), radius by radius (docs/experiments.md).
/// </summary>
/// <remarks>
/// <para>
/// Without biases a network of L layers is, in exact arithmetic, a homogeneous polynomial of degree L in its weights,
/// linear in each layer's: f(θ₀ + Ru) = Σₖ cₖRᵏ. A wide network in its NTK ball is close to the k ≤ 1 part; B − 1
/// bottleneck layers split it into B wide blocks whose product keeps the terms up to k = B. The measured
/// <c>s₂(R) = (f(+R) + f(−R))/2 − f(θ₀)</c> is c₂R² + c₄R⁴ + … exactly, <c>s₁(R) = (f(+R) − f(−R))/2</c> is
/// c₁R + c₃R³ + …, and <c>s₃(R) = (s₁(2R) − 2s₁(R))/6</c> is c₃R³ + 5c₅R⁵ + …
/// </para>
/// <para>
/// The networks are the project's (<see cref="NetworkArchitecture"/>, the blog's scale s = 2^125, biases 0) and are
/// run by the literal float32 program (<see cref="LiteralExecutor"/>), so under FtzElementwise every hidden value is
/// put through the dead zone. A member's weights are θ₀ + (±R)·u with one fused multiply-add per weight. Directions
/// are split into contiguous blocks, one per thread, each with its own executor; sums run over directions in index
/// order, so the results have the same bits for any thread count.
/// </para>
/// </remarks>
public static class BottleneckExperiment
{
    /// <summary>Runs every network, semantics and radius; <paramref name="log"/> hears of each network as it finishes.</summary>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public static IReadOnlyList<BottleneckRow> Run(BottleneckSettings settings, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var rows = new List<BottleneckRow>();
        float[] inputs = Inputs(settings);
        foreach ((string name, NetworkArchitecture architecture) in settings.Networks())
        {
            IReadOnlyList<BottleneckRow> measured = Measure(settings, name, architecture, inputs);
            rows.AddRange(measured);
            log?.Invoke(name);
        }

        return rows;
    }

    /// <summary>The input rows (samples x input width), uniform in [0, 1), from the seed.</summary>
    public static float[] Inputs(BottleneckSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inputs = new float[settings.Samples * settings.InputWidth];
        new CounterRandom(settings.Seed, CounterRandom.StreamOf(0xB077, 0)).FillUniform(inputs);
        return inputs;
    }

    /// <summary>Measures one network at θ₀ = its seeded initialisation, under every semantics of the settings.</summary>
    public static IReadOnlyList<BottleneckRow> Measure(BottleneckSettings settings, string name, NetworkArchitecture architecture, float[] inputs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(inputs);
        NetworkParameters start = NetworkParameters.Initialize(architecture, settings.Seed);
        int count = settings.Directions, threads = Math.Min(settings.Threads, count);
        var directions = new float[count][];
        EngineParallel.For(threads, threads, new DirectionBlocks(start, inputs, settings, directions, threads));
        double startNorm = WeightDirections.NtkNorm(architecture, start.Values);

        var rows = new List<BottleneckRow>();
        foreach (FloatSemantics semantics in settings.Semantics)
        {
            var measured = new Expansion[count, settings.Radii.Count];
            var outputNorm = new double[1];
            EngineParallel.For(threads, threads, new EvaluationBlocks(start, inputs, settings, semantics, directions, measured, outputNorm, threads));
            for (int r = 0; r < settings.Radii.Count; r++)
            {
                double first = 0, second = 0, third = 0;
                for (int d = 0; d < count; d++)
                {
                    first += measured[d, r].First;
                    second += measured[d, r].Second;
                    third += measured[d, r].Third;
                }

                double radius = settings.Radii[r];
                rows.Add(new BottleneckRow(name, architecture, semantics, settings.DirectionKind, radius, radius / startNorm, outputNorm[0],
                    Math.Sqrt(first / count), Math.Sqrt(second / count), Math.Sqrt(third / count)));
            }
        }

        return rows;
    }

    /// <summary>
    /// The squared norms of s₁, s₂ and s₃ of one direction at one radius, from the outputs at θ₀, ±R and ±2R
    /// (samples x outputs each), every sum in index order in double.
    /// </summary>
    public static Expansion Expand(ReadOnlySpan<float> start, ReadOnlySpan<float> plus, ReadOnlySpan<float> minus, ReadOnlySpan<float> plus2, ReadOnlySpan<float> minus2)
    {
        double first = 0, second = 0, third = 0;
        for (int i = 0; i < start.Length; i++)
        {
            double odd = ((double)plus[i] - minus[i]) / 2, odd2 = ((double)plus2[i] - minus2[i]) / 2;
            double even = (((double)plus[i] + minus[i]) / 2) - start[i];
            double cubic = (odd2 - (2 * odd)) / 6;
            first += odd * odd;
            second += even * even;
            third += cubic * cubic;
        }

        return new Expansion(first, second, third);
    }

    /// <summary>Squared norms ‖s₁‖², ‖s₂‖², ‖s₃‖² of one direction at one radius.</summary>
    /// <param name="First">‖s₁‖².</param>
    /// <param name="Second">‖s₂‖².</param>
    /// <param name="Third">‖s₃‖².</param>
    public readonly record struct Expansion(double First, double Second, double Third);

    private static (int Start, int End) Block(int block, int blocks, int count) =>
        ((int)((long)count * block / blocks), (int)((long)count * (block + 1) / blocks));

    private readonly struct DirectionBlocks(NetworkParameters start, float[] inputs, BottleneckSettings settings, float[][] directions, int blocks) : IWorkItems
    {
        public void Run(int index)
        {
            (int first, int end) = Block(index, blocks, directions.Length);
            for (int d = first; d < end; d++)
            {
                directions[d] = WeightDirections.Draw(start, inputs, settings.DirectionKind, settings.Seed, d);
            }
        }
    }

    private readonly struct EvaluationBlocks(
        NetworkParameters start, float[] inputs, BottleneckSettings settings, FloatSemantics semantics, float[][] directions,
        Expansion[,] measured, double[] outputNorm, int blocks) : IWorkItems
    {
        public void Run(int index)
        {
            NetworkArchitecture net = start.Architecture;
            var executor = new LiteralExecutor(semantics, new EngineSettings { MaxThreads = 1 });
            int samples = settings.Samples, outputs = net.Outputs;
            var x = new ReadOnlySpan2D<float>(inputs, samples, net.Inputs);
            float[] f0 = Forward(executor, start, x, samples, outputs);
            if (index == 0)
            {
                double sum = 0;
                foreach (float v in f0)
                {
                    sum += (double)v * v;
                }

                outputNorm[0] = Math.Sqrt(sum);
            }

            var member = start.Clone();
            (int first, int end) = Block(index, blocks, directions.Length);
            for (int d = first; d < end; d++)
            {
                for (int r = 0; r < settings.Radii.Count; r++)
                {
                    float radius = (float)settings.Radii[r];
                    float[] plus = Moved(executor, start, member, directions[d], radius, x, samples, outputs);
                    float[] minus = Moved(executor, start, member, directions[d], -radius, x, samples, outputs);
                    float[] plus2 = Moved(executor, start, member, directions[d], 2 * radius, x, samples, outputs);
                    float[] minus2 = Moved(executor, start, member, directions[d], -2 * radius, x, samples, outputs);
                    measured[d, r] = Expand(f0, plus, minus, plus2, minus2);
                }
            }
        }

        private static float[] Moved(LiteralExecutor executor, NetworkParameters start, NetworkParameters member, float[] direction, float scale, ReadOnlySpan2D<float> x, int samples, int outputs)
        {
            start.Values.CopyTo(member.Values, 0);
            FusedMultiplyAdd.Accumulate(member.Values, direction, scale);
            return Forward(executor, member, x, samples, outputs);
        }

        private static float[] Forward(LiteralExecutor executor, NetworkParameters parameters, ReadOnlySpan2D<float> x, int samples, int outputs)
        {
            var logits = new float[samples * outputs];
            executor.Forward(parameters, x, new Span2D<float>(logits, samples, outputs));
            return logits;
        }
    }
}
