using CommunityToolkit.HighPerformance;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Experiments;

/// <summary>
/// A diagnostic evaluator, not ES: each member's fitness is the first-order model of the minibatch loss at θ under a
/// backprop gradient g, <c>f(θ ± σε) = −(L(θ) ± σ·g·ε)</c>. ES driven by it keeps every part of the algorithm (the
/// members' noise, ranks, the estimate, Adam, the schedule) but aims at g instead of the Gaussian-smoothed literal loss:
/// with g the FTZ-aware gradient it shows what ES's estimator would buy if its mean were the dead zones' true
/// derivative, with g the straight-through one what it buys aimed where backprop's blind gradient points
/// (docs/evolution.md, "How good is one ES estimate"). A hybrid: a labelled diagnostic row, never the headline.
/// </summary>
/// <remarks>
/// g·ε is computed for low-rank members as Σₗ (1/√r)·Σₜ Aₗ[:, t]ᵀ·(Gₗ·Bₗ[t, :]ᵀ) + Σₗ gᵦₗ·εᵦₗ, one GEMM per layer for
/// the whole range (bit-deterministic) and double sums in index order; for full-rank members as a double dot product.
/// The fitness bits therefore do not depend on the thread count.
/// </remarks>
public sealed class LinearizedPopulationEvaluator : IPopulationEvaluator
{
    private readonly GradientMode _mode;
    private readonly EngineSettings _engine;
    private float[] _gradient = [];
    private float[] _right = [], _product = [];

    // One backprop trainer for every call, over a copy of θ refreshed each call: building one per generation would
    // allocate its Adam state (two θ-sized arrays) and activation buffers only to throw them away.
    private BackpropTrainer? _backprop;

    /// <summary>An evaluator whose members are scored along <paramref name="mode"/>'s gradient.</summary>
    public LinearizedPopulationEvaluator(GradientMode mode, EngineSettings? engine = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown gradient mode.");
        }

        _mode = mode;
        _engine = engine ?? EngineSettings.Default;
    }

    /// <summary>The gradient the members are scored along.</summary>
    public GradientMode Mode => _mode;

    /// <inheritdoc />
    public string Description => $"the first-order model of the loss along the {Checkpoints.CheckpointNames.Of(_mode)} gradient (a diagnostic, not ES's fitness; {_engine.ResolvedThreads} threads)";

    /// <inheritdoc />
    public bool Supports(MemberKind kind) =>
        kind is MemberKind.FullRank or MemberKind.LowRank or MemberKind.UnitSubset or MemberKind.LaterLayers or MemberKind.Blocks;

    /// <inheritdoc />
    public EvaluationResult? Evaluate(
        NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount, Span<double> fitness, bool scoreCentre = false)
    {
        PopulationArguments.Validate(theta, generation, batch, firstPair, pairCount, fitness.Length);
        if (generation.Temperature != 1f)
        {
            throw new NotSupportedException($"The first-order model is of the plain loss; a fitness temperature of {generation.Temperature} is not supported.");
        }

        if (_backprop is null || _backprop.Parameters.Architecture != theta.Architecture)
        {
            _backprop = new BackpropTrainer(theta.Clone(), _mode, _engine);
            _gradient = new float[theta.Values.Length];
        }
        else
        {
            theta.Values.CopyTo(_backprop.Parameters.Values, 0);
        }

        double loss = _backprop.ComputeGradient(batch.Inputs, batch.Labels, _gradient, out int correct);
        var derivatives = new double[pairCount];
        Directional(generation.Noise, firstPair, pairCount, derivatives);
        for (int i = 0; i < pairCount; i++)
        {
            fitness[2 * i] = -(loss + (generation.Sigma * derivatives[i]));
            fitness[(2 * i) + 1] = -(loss - (generation.Sigma * derivatives[i]));
        }

        return scoreCentre ? new EvaluationResult(correct / (double)batch.Rows, loss, batch.Rows) : null;
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }

    // g·εⱼ for pairs [first, first + count) of the noise.
    private void Directional(PopulationNoise noise, int first, int count, Span<double> derivatives)
    {
        switch (noise)
        {
            case BlockNoise blocks:
                for (int b = 0; b < blocks.Blocks.Count; b++)
                {
                    PopulationNoise block = blocks.Blocks[b];
                    int from = Math.Max(first, blocks.FirstPairOf(b)), to = Math.Min(first + count, blocks.FirstPairOf(b) + block.Pairs);
                    if (from < to)
                    {
                        Directional(block, from - blocks.FirstPairOf(b), to - from, derivatives.Slice(from - first, to - from));
                    }
                }

                break;
            case LowRankNoise lowRank:
                LowRank(lowRank, first, count, derivatives);
                break;
            case FullRankNoise full:
                for (int i = 0; i < count; i++)
                {
                    derivatives[i] = Dot(_gradient, full.Direction(first + i));
                }

                break;
            default:
                throw new NotSupportedException($"{Description} does not evaluate {noise.Kind} members.");
        }
    }

    private void LowRank(LowRankNoise noise, int first, int count, Span<double> derivatives)
    {
        NetworkArchitecture net = noise.Architecture;
        LowRankNoiseLayout layout = noise.Layout;
        int r = noise.Rank, columns = count * r;
        double factorScale = 1 / Math.Sqrt(r);
        derivatives.Clear();
        for (int l = 0; l < net.LayerCount; l++)
        {
            int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
            // right (fanOut x count·r): column i·r + t = pair i's B[t, :]; product = G·right (fanIn x count·r).
            Grow(ref _right, fanOut * columns);
            Grow(ref _product, fanIn * columns);
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<float> pair = noise.Pair(first + i);
                for (int t = 0; t < r; t++)
                {
                    for (int c = 0; c < fanOut; c++)
                    {
                        _right[(c * columns) + (i * r) + t] = pair[layout.FactorB(l) + (t * fanOut) + c];
                    }
                }
            }

            Gemm.Multiply(
                new ReadOnlySpan2D<float>(_gradient, net.WeightOffset(l), fanIn, fanOut, 0),
                new ReadOnlySpan2D<float>(_right, 0, fanOut, columns, 0),
                new Span2D<float>(_product, 0, fanIn, columns, 0),
                _engine);
            ReadOnlySpan<float> biasGradient = _gradient.AsSpan(net.BiasOffset(l), fanOut);
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<float> pair = noise.Pair(first + i);
                double sum = 0;
                for (int t = 0; t < r; t++)
                {
                    for (int row = 0; row < fanIn; row++)
                    {
                        sum += (double)pair[layout.FactorA(l) + (row * r) + t] * _product[(row * columns) + (i * r) + t];
                    }
                }

                derivatives[i] += (factorScale * sum) + Dot(biasGradient, pair.Slice(layout.BiasNoise(l), fanOut));
            }
        }
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
