namespace CpuLinear.Training;

/// <summary>
/// What one training epoch saw: the learning rate, and the mean loss and accuracy of the minibatches as they
/// were trained on (each measured before its own update, so a running figure, not a re-evaluation).
/// </summary>
public readonly record struct EpochSummary(int Epoch, float LearningRate, double RunningLoss, double RunningAccuracy, long Step);
