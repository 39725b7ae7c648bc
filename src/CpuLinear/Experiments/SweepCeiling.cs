namespace CpuLinear.Experiments;

/// <summary>The sweep's dataset's converged linear ceiling (softmax regression), the line every cell is read against.</summary>
/// <param name="Train">Accuracy on the (limited) training split.</param>
/// <param name="Test">Accuracy on the (limited) test split.</param>
/// <param name="Epochs">Epochs to convergence.</param>
/// <param name="Converged">False when the epoch bound stopped it first.</param>
public sealed record SweepCeiling(double Train, double Test, int Epochs, bool Converged);
