using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Scoring;

namespace CpuLinear.Experiments;

/// <summary>
/// Scores a θ on parity sequences under one semantics: either a <see cref="LinearRnnArchitecture"/> reading the bits
/// one step at a time, or the one-layer baseline, a <see cref="NetworkArchitecture"/> of one layer (softmax
/// regression) that sees the whole sequence as one input row. One scorer per thread: it keeps its executor's buffers.
/// </summary>
public sealed class ParityScorer
{
    private static readonly EngineSettings OneThread = new() { MaxThreads = 1 };
    private readonly LinearRnnExecutor? _recurrent;
    private readonly LiteralExecutor? _oneLayer;
    private float[] _logits = [];

    /// <summary>Scores the recurrent network <paramref name="architecture"/> under <paramref name="semantics"/>.</summary>
    /// <param name="architecture">The network.</param>
    /// <param name="semantics">The float rules.</param>
    /// <param name="signedInputs">Feed each bit as −1 / +1 instead of 0 / 1.</param>
    public ParityScorer(LinearRnnArchitecture architecture, FloatSemantics semantics, bool signedInputs = false)
    {
        SignedInputs = signedInputs;
        Recurrent = architecture ?? throw new ArgumentNullException(nameof(architecture));
        _recurrent = new LinearRnnExecutor(semantics, OneThread);
        Semantics = semantics;
        ParameterCount = architecture.ParameterCount;
        Classes = architecture.Classes;
    }

    /// <summary>Scores the one-layer network <paramref name="architecture"/> (inputs = sequence length) under <paramref name="semantics"/>.</summary>
    /// <param name="architecture">The network.</param>
    /// <param name="semantics">The float rules.</param>
    /// <param name="signedInputs">Feed each bit as −1 / +1 instead of 0 / 1.</param>
    /// <exception cref="ArgumentException">The network has more than one layer.</exception>
    public ParityScorer(NetworkArchitecture architecture, FloatSemantics semantics, bool signedInputs = false)
    {
        SignedInputs = signedInputs;
        OneLayer = architecture ?? throw new ArgumentNullException(nameof(architecture));
        if (architecture.LayerCount != 1)
        {
            throw new ArgumentException($"The baseline is a single layer; got {architecture}.", nameof(architecture));
        }

        _oneLayer = new LiteralExecutor(semantics, OneThread);
        Semantics = semantics;
        ParameterCount = architecture.ParameterCount;
        Classes = architecture.Outputs;
    }

    /// <summary>The recurrent network scored, or null for the baseline.</summary>
    public LinearRnnArchitecture? Recurrent { get; }

    /// <summary>The one-layer baseline scored, or null for the recurrent network.</summary>
    public NetworkArchitecture? OneLayer { get; }

    /// <summary>The float rules of the scoring.</summary>
    public FloatSemantics Semantics { get; }

    /// <summary>Length of θ.</summary>
    public int ParameterCount { get; }

    /// <summary>Logits per sequence.</summary>
    public int Classes { get; }

    /// <summary>Feed each bit as −1 / +1 instead of 0 / 1.</summary>
    public bool SignedInputs { get; }

    private float[] _signed = [];

    /// <summary>
    /// The mean softmax cross-entropy of θ on <paramref name="data"/> and the number of sequences whose largest logit is
    /// the parity (first maximum wins). +∞ with no hits when θ has no valid network (a singular I + A) or a loss is
    /// not a number (an overflowing state), so that evolution ranks such a member last.
    /// </summary>
    /// <exception cref="ArgumentException">θ has the wrong length, or the baseline's input width is not the sequence length.</exception>
    public double Loss(ReadOnlySpan<float> theta, ParitySequences data, out int correct) => Loss(theta, data, 1f, out correct);

    /// <summary>
    /// As <see cref="Loss(ReadOnlySpan{float}, ParitySequences, out int)"/>, of the softmax of the logits divided by
    /// <paramref name="temperature"/> (<see cref="SoftmaxCrossEntropy"/>; 1 gives the plain loss's bits).
    /// </summary>
    public double Loss(ReadOnlySpan<float> theta, ParitySequences data, float temperature, out int correct)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (theta.Length != ParameterCount)
        {
            throw new ArgumentException($"θ has {theta.Length} values; the model has {ParameterCount}.", nameof(theta));
        }

        correct = 0;
        if (data.Count == 0)
        {
            return 0;
        }

        if (_logits.Length < data.Count * Classes)
        {
            _logits = new float[data.Count * Classes];
        }

        var logits = new Span2D<float>(_logits, 0, data.Count, Classes, 0);
        float[] bits = data.Bits;
        if (SignedInputs)
        {
            if (_signed.Length < bits.Length)
            {
                _signed = new float[bits.Length];
            }

            for (int i = 0; i < bits.Length; i++)
            {
                _signed[i] = (2 * bits[i]) - 1;
            }

            bits = _signed;
        }

        var inputs = new ReadOnlySpan2D<float>(bits, 0, data.Count, data.Length, 0);
        if (_recurrent is not null)
        {
            if (!LinearRnnWeights.TryCreate(Recurrent!, theta, out LinearRnnWeights weights))
            {
                return double.PositiveInfinity;
            }

            _recurrent.Forward(weights, inputs, logits);
        }
        else
        {
            if (OneLayer!.Inputs != data.Length)
            {
                throw new ArgumentException($"The baseline reads {OneLayer.Inputs} bits; the sequences have {data.Length}.", nameof(data));
            }

            _oneLayer!.Forward(new NetworkParameters(OneLayer, theta.ToArray()), inputs, logits);
        }

        double total = SoftmaxCrossEntropy.Evaluate(logits, data.Labels, Span2D<float>.Empty, 0f, temperature, out correct);
        double mean = total / data.Count;
        return double.IsNaN(mean) ? double.PositiveInfinity : mean;
    }
}
