using System.Diagnostics;
using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Experiments;

/// <summary>
/// Does float32's flush give a linear RNN whose state matrix has only positive eigenvalues the parity it cannot
/// otherwise compute? At each sequence length the same <see cref="LinearRnnArchitecture"/> (same θ₀, same noise, same
/// batches) is trained by ES under each semantics and tested under it and under IEEE, beside the one-layer baseline
/// trained the same way under IEEE (docs/experiments.md).
/// </summary>
/// <remarks>
/// Under IEEE the network's logits are an affine function of the bits (up to rounding), so its accuracy can be no
/// better than a linear classifier's; the bar that shows how well a linear classifier can do by counting alone is
/// <see cref="ParitySequences.CountThresholdAccuracy"/>.
/// </remarks>
public static class RnnParityExperiment
{
    /// <summary>Runs every length, semantics and the baseline; <paramref name="log"/> receives one line per finished run.</summary>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    /// <exception cref="NotSupportedException">FtzEverywhere is asked for where the hardware cannot flush a GEMM.</exception>
    /// <param name="settings">What to run.</param>
    /// <param name="log">Receives each row as its run finishes.</param>
    /// <param name="progress">Receives (run label, generation, mean population loss) after every generation.</param>
    public static IReadOnlyList<RnnParityRow> Run(RnnParitySettings settings, Action<RnnParityRow>? log = null, Action<string, long, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        foreach (FloatSemantics semantics in settings.Semantics)
        {
            _ = new LinearRnnExecutor(semantics);
        }

        var rows = new List<RnnParityRow>();
        var architecture = new LinearRnnArchitecture(settings.StateSize, settings.StateMatrix);
        foreach (int length in settings.Lengths)
        {
            ParitySequences test = TestSet(settings, length);
            if (settings.HandBuilt)
            {
                foreach (FloatSemantics semantics in settings.Semantics)
                {
                    RnnParityRow row = TestHandBuilt(settings, architecture, semantics, length, test);
                    rows.Add(row);
                    log?.Invoke(row);
                }
            }

            foreach (FloatSemantics semantics in settings.Semantics)
            {
                RnnParityRow row = TrainRecurrent(settings, architecture, semantics, length, test, Report(progress, $"rnn {semantics} T={length}"));
                rows.Add(row);
                log?.Invoke(row);
            }

            if (settings.OneLayerBaseline)
            {
                RnnParityRow row = TrainOneLayer(settings, length, test, Report(progress, $"one-layer T={length}"));
                rows.Add(row);
                log?.Invoke(row);
            }
        }

        return rows;
    }

    /// <summary>
    /// The test sequences of <paramref name="length"/>: all 2^length of them up to <see cref="RnnParitySettings.EnumeratedTestLength"/>,
    /// else <see cref="RnnParitySettings.TestSequences"/> random ones from a stream no training batch uses.
    /// </summary>
    public static ParitySequences TestSet(RnnParitySettings settings, int length)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return length <= settings.EnumeratedTestLength
            ? ParitySequences.Every(length)
            : ParitySequences.Random(settings.Seed, CounterRandom.StreamOf(0x7E57), settings.TestSequences, length);
    }

    /// <summary>Trains the recurrent network under <paramref name="semantics"/> from its seeded θ₀ and tests it.</summary>
    public static RnnParityRow TrainRecurrent(
        RnnParitySettings settings, LinearRnnArchitecture architecture, FloatSemantics semantics, int length, ParitySequences test, Action<long, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(test);
        float[] theta = architecture.Initialize(settings.Seed);
        var clock = Stopwatch.StartNew();
        var evolution = new ParityEvolution(() => new ParityScorer(architecture, semantics, settings.SignedInputs), settings.ToEvolutionSettings(), settings.Threads);
        double loss = evolution.Train(theta, length, settings.Seed, settings.Curriculum, progress);
        double seconds = clock.Elapsed.TotalSeconds;
        double accuracy = Accuracy(evolution.Scorer, theta, test);
        double ieee = semantics == FloatSemantics.Ieee ? accuracy : Accuracy(new ParityScorer(architecture, FloatSemantics.Ieee, settings.SignedInputs), theta, test);
        (double smallest, double radius) = LinearRnnWeights.TryCreate(architecture, theta, out LinearRnnWeights weights)
            ? (weights.SmallestEigenvalue, weights.EigenvalueRadius)
            : (double.NaN, double.NaN);
        return new RnnParityRow("linear-rnn", architecture.StateMatrix, semantics, length, test.Count, accuracy, ieee,
            ParitySequences.CountThresholdAccuracy(length), loss, smallest, radius, seconds);
    }

    /// <summary>Tests the hand-built θ of <see cref="ParityConstruction"/> under <paramref name="semantics"/> (no training: 0 seconds, no loss).</summary>
    public static RnnParityRow TestHandBuilt(RnnParitySettings settings, LinearRnnArchitecture architecture, FloatSemantics semantics, int length, ParitySequences test)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(test);
        float[] theta = ParityConstruction.Theta(architecture, settings.SignedInputs);
        var scorer = new ParityScorer(architecture, semantics, settings.SignedInputs);
        double loss = scorer.Loss(theta, test, out int correct);
        double ieee = Accuracy(new ParityScorer(architecture, FloatSemantics.Ieee, settings.SignedInputs), theta, test);
        (double smallest, double radius) = LinearRnnWeights.TryCreate(architecture, theta, out LinearRnnWeights weights)
            ? (weights.SmallestEigenvalue, weights.EigenvalueRadius)
            : (double.NaN, double.NaN);
        return new RnnParityRow("hand-built", architecture.StateMatrix, semantics, length, test.Count, correct / (double)test.Count, ieee,
            ParitySequences.CountThresholdAccuracy(length), loss, smallest, radius, 0);
    }

    /// <summary>Trains the one-layer baseline (length inputs, 2 classes, IEEE) from its seeded θ₀ and tests it.</summary>
    public static RnnParityRow TrainOneLayer(RnnParitySettings settings, int length, ParitySequences test, Action<long, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(test);
        var architecture = new NetworkArchitecture([length, 2]);
        float[] theta = NetworkParameters.Initialize(architecture, settings.Seed).Values;
        var clock = Stopwatch.StartNew();
        var evolution = new ParityEvolution(() => new ParityScorer(architecture, FloatSemantics.Ieee, settings.SignedInputs), settings.ToEvolutionSettings(), settings.Threads);
        double loss = evolution.Train(theta, length, settings.Seed, settings.Curriculum, progress);
        double seconds = clock.Elapsed.TotalSeconds;
        double accuracy = Accuracy(evolution.Scorer, theta, test);
        return new RnnParityRow("one-layer", null, FloatSemantics.Ieee, length, test.Count, accuracy, accuracy,
            ParitySequences.CountThresholdAccuracy(length), loss, double.NaN, double.NaN, seconds);
    }

    /// <summary>The share of <paramref name="test"/> that <paramref name="scorer"/> classifies right with θ.</summary>
    public static double Accuracy(ParityScorer scorer, ReadOnlySpan<float> theta, ParitySequences test)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(test);
        _ = scorer.Loss(theta, test, out int correct);
        return test.Count == 0 ? 0 : correct / (double)test.Count;
    }

    private static Action<long, double>? Report(Action<string, long, double>? progress, string label) =>
        progress is null ? null : (generation, loss) => progress(label, generation, loss);

    /// <summary>The option spelling of a state-matrix kind (positive, free), "-" for none.</summary>
    public static string StateMatrixName(StateMatrixKind? kind) => kind switch
    {
        StateMatrixKind.PositiveEigenvalues => "positive",
        StateMatrixKind.Free => "free",
        _ => "-",
    };
}
