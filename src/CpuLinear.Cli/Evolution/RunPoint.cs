namespace CpuLinear.Cli.Evolution;

/// <summary>What <c>plot-runs</c> reads from one row of a metrics log.</summary>
/// <param name="Generation">The generation (0-based).</param>
/// <param name="Seconds">Wall time of the run up to the end of this generation (<c>elapsed_s</c>).</param>
/// <param name="TestAccuracy">Test accuracy, on the generations that measured it; null on the others.</param>
/// <param name="SampleEvaluations">Cumulative member·row evaluations; null in a log written before the column existed.</param>
internal readonly record struct RunPoint(long Generation, double Seconds, double? TestAccuracy, long? SampleEvaluations);
