using System.Diagnostics;
using System.Globalization;
using CpuLinear.Data;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// The converged linear ceiling of a dataset (<see cref="LinearCeiling"/>: softmax regression trained until its loss
/// stops falling), measured so a command can print it beside its own result: a deep network that does not pass it
/// has computed nothing a linear map could not.
/// </summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="Train">Accuracy and loss on the training examples it was trained on.</param>
/// <param name="Test">Accuracy and loss on the test examples.</param>
/// <param name="Epochs">Epochs to convergence.</param>
/// <param name="Converged">False when the epoch bound stopped it first.</param>
/// <param name="Seconds">Wall time of training and measuring it.</param>
/// <param name="Result">The classifier itself.</param>
internal sealed record LinearCeilingReport(
    string Dataset, EvaluationResult Train, EvaluationResult Test, int Epochs, bool Converged, double Seconds, LinearCeilingResult Result)
{
    /// <summary>
    /// Trains the ceiling on <paramref name="data"/>'s training split (its first <paramref name="limit"/> examples when
    /// given, as a quick run's network sees) and measures it on the training examples and the (first
    /// <paramref name="limit"/>) test examples, with the float32 softmax regression it was trained with.
    /// </summary>
    public static LinearCeilingReport Measure(DatasetSplits data, ulong seed, EngineSettings engine, int? limit)
    {
        var clock = Stopwatch.StartNew();
        using LabeledImages? prefix = limit is { } n ? data.Train.First(n) : null;
        LabeledImages train = prefix ?? data.Train;
        LinearCeilingResult ceiling = LinearCeiling.Train(train, data.Train.ClassCount, seed, engine);
        EvaluationResult onTrain = Evaluation.Run(ceiling.Executor, ceiling.Parameters, train);
        EvaluationResult onTest = Evaluation.Run(ceiling.Executor, ceiling.Parameters, data.Test, limit);
        return new LinearCeilingReport(data.Name, onTrain, onTest, ceiling.Epochs, ceiling.Converged, clock.Elapsed.TotalSeconds, ceiling);
    }

    /// <summary>One line: what it is, where it stopped, its accuracies.</summary>
    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"linear ceiling of {Dataset} (softmax regression trained to convergence: {Epochs} epochs{(Converged ? "" : ", epoch bound reached")}, {Seconds:F0} s): train {Train.Accuracy * 100:F2}% test {Test.Accuracy * 100:F2}% ({Test.Count} test examples)");
}
