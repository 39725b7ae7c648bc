using CpuLinear.Networks;

namespace CpuLinear.Training;

/// <summary>
/// The executor that evaluates a network under a given <see cref="FloatSemantics"/>: the one place the
/// command line and the trainers choose it, so the literal float32 executor plugs in here.
/// </summary>
public static class EvaluationExecutors
{
    /// <summary>
    /// An executor for <paramref name="semantics"/>. <see cref="FloatSemantics.FtzElementwise"/> runs the fused
    /// dead-zone executor; <see cref="FloatSemantics.Ieee"/> and <see cref="FloatSemantics.FtzEverywhere"/> need
    /// the literal float32 program, which this build does not have yet.
    /// </summary>
    /// <exception cref="NotSupportedException">No executor for <paramref name="semantics"/> in this build.</exception>
    public static IForwardExecutor Create(FloatSemantics semantics, EngineSettings? settings = null) => semantics switch
    {
        FloatSemantics.FtzElementwise => new FusedExecutor(settings),
        // Plug point for LiteralExecutor(semantics, settings) once it lands.
        _ => throw new NotSupportedException(
            $"Evaluating under {semantics} needs the literal float32 executor, which this build does not include yet; use ftz-elementwise."),
    };
}
