using CpuLinear.Networks;

namespace CpuLinear.Training;

/// <summary>A converged softmax-regression classifier (<see cref="LinearCeiling"/>).</summary>
/// <param name="Parameters">Its weights (inputs x classes) and biases.</param>
/// <param name="Executor">The float32 forward pass it was trained and is measured with.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="TrainLoss">The lowest full training loss seen (mean cross-entropy).</param>
/// <param name="Converged">Whether training stopped on the plateau rule rather than the epoch bound.</param>
public sealed record LinearCeilingResult(NetworkParameters Parameters, IForwardExecutor Executor, int Epochs, double TrainLoss, bool Converged);
