namespace CpuLinear.Scoring;

/// <summary>Accuracy (fraction correct, argmax) and mean softmax cross-entropy over a dataset split.</summary>
public readonly record struct EvaluationResult(double Accuracy, double Loss, int Count);
