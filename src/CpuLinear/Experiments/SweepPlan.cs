namespace CpuLinear.Experiments;

/// <summary>A sweep as a whole: its grid and the settings its cells share. Two runs with equal plans compute the same bits.</summary>
/// <param name="Grid">The axes.</param>
/// <param name="Settings">The shared settings.</param>
public sealed record SweepPlan(SweepGrid Grid, SweepSettings Settings);
