using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>One trained model of the parity experiment and how it scores.</summary>
/// <param name="Model">"linear-rnn" (trained by ES), "hand-built" (<see cref="ParityConstruction"/>) or "one-layer" (the baseline).</param>
/// <param name="StateMatrix">The recurrent network's W kind; null for the baseline.</param>
/// <param name="Semantics">The semantics it was trained and tested under.</param>
/// <param name="Length">Sequence length.</param>
/// <param name="TestSequences">Sequences tested (2^length when every one is).</param>
/// <param name="TestAccuracy">Accuracy on the test sequences under <paramref name="Semantics"/>.</param>
/// <param name="IeeeTestAccuracy">The same θ tested under IEEE (the ablation: what survives without the flush).</param>
/// <param name="CountThreshold">The best accuracy on all sequences of a threshold on the number of ones (<see cref="ParitySequences.CountThresholdAccuracy"/>).</param>
/// <param name="FinalLoss">Mean cross-entropy of the last generation's population (for the hand-built θ: its loss on the test sequences).</param>
/// <param name="SmallestEigenvalue">The trained W's smallest λ (positive kind; NaN otherwise).</param>
/// <param name="EigenvalueRadius">The Bauer–Fike radius of the float32 W around the λ (positive kind; NaN otherwise).</param>
/// <param name="Seconds">Wall time of the training.</param>
public sealed record RnnParityRow(
    string Model,
    StateMatrixKind? StateMatrix,
    FloatSemantics Semantics,
    int Length,
    int TestSequences,
    double TestAccuracy,
    double IeeeTestAccuracy,
    double CountThreshold,
    double FinalLoss,
    double SmallestEigenvalue,
    double EigenvalueRadius,
    double Seconds);
