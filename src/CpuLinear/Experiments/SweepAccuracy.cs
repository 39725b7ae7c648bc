using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>A trained network's accuracy under one float semantics (the literal float32 program).</summary>
/// <param name="Semantics">The semantics.</param>
/// <param name="Train">Accuracy on the (limited) training split.</param>
/// <param name="Test">Accuracy on the (limited) test split.</param>
public readonly record struct SweepAccuracy(FloatSemantics Semantics, double Train, double Test);
