namespace CpuLinear.Scoring;

/// <summary>How much of one layer lives in the flush: what <see cref="FlushStatistics.Measure"/> reports per layer.</summary>
/// <param name="Layer">Layer index, 0 = the first hidden layer.</param>
/// <param name="Units">The layer's outputs (fan-out).</param>
/// <param name="WeightRms">Root mean square of the layer's weights.</param>
/// <param name="FlushedFraction">
/// Of all (example, unit) outputs, the fraction that the dead zone set to zero although the layer's product
/// <c>h·W</c> was not zero: under <see cref="Networks.FloatSemantics.Ieee"/> these would have passed through.
/// </param>
/// <param name="UnitsMostlyFlushed">Units flushed on at least 99% of the examples (nearly silent).</param>
/// <param name="UnitsRarelyFlushed">Units flushed on at most 1% of the examples (nearly linear).</param>
/// <param name="Examples">Examples measured.</param>
public sealed record LayerFlushStatistics(
    int Layer, int Units, double WeightRms, double FlushedFraction, int UnitsMostlyFlushed, int UnitsRarelyFlushed, int Examples);
