namespace CpuLinear.Cli.Plots;

/// <summary>What <c>plot-runs</c> puts on the x axis.</summary>
internal enum RunAxis
{
    /// <summary>Cumulative member·row evaluations (log scale): the work a run has done, whatever its machine.</summary>
    SampleEvaluations,

    /// <summary>Generations completed.</summary>
    Generations,

    /// <summary>Wall time in seconds.</summary>
    Seconds,
}
