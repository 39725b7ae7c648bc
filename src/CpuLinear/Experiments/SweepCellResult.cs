namespace CpuLinear.Experiments;

/// <summary>What one finished cell measured.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Accuracies">One entry per semantics of the grid, in the grid's order.</param>
/// <param name="Steps">Optimiser updates: backprop minibatches, or ES generations.</param>
/// <param name="Seconds">Wall time of training and measuring (not part of the table: it differs run to run).</param>
public sealed record SweepCellResult(SweepCell Cell, IReadOnlyList<SweepAccuracy> Accuracies, long Steps, double Seconds);
