using CpuLinear.Networks;

namespace CpuLinear.Scoring;

/// <summary>
/// The executors that evaluate a network: the one place the command line and the trainers choose them.
/// Reported accuracies come from <see cref="Reference"/>, the literal float32 program; <see cref="Fast"/> is
/// the fused dead-zone form of FtzElementwise, for progress lines during training.
/// </summary>
public static class EvaluationExecutors
{
    /// <summary>The literal float32 program under <paramref name="semantics"/>: the reference for every reported figure.</summary>
    /// <exception cref="NotSupportedException">FtzEverywhere where no hardware float control is available.</exception>
    public static IForwardExecutor Reference(FloatSemantics semantics, EngineSettings? settings = null) =>
        new LiteralExecutor(semantics, settings);

    /// <summary>The fused FtzElementwise executor: full GEMM speed, agrees with the literal program up to subnormal rounding.</summary>
    public static IForwardExecutor Fast(EngineSettings? settings = null) => new FusedExecutor(settings);
}
