using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>One measurement of a noisy-gradient run (<see cref="NoisyGradientExperiment"/>).</summary>
/// <param name="Gradient">The gradient whose direction was degraded.</param>
/// <param name="Cosine">The cosine c of every step's direction with the minibatch gradient.</param>
/// <param name="Step">Steps taken.</param>
/// <param name="TrainLoss">Mean loss of the last step's minibatch (before its update).</param>
/// <param name="TestAccuracy">Test accuracy of the literal float32 program (fused executor, ftz-elementwise).</param>
public sealed record NoisyGradientPoint(GradientMode Gradient, double Cosine, int Step, double TrainLoss, double TestAccuracy);
