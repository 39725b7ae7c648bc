using CpuLinear.Cli.Commands;
using CpuLinear.Evolution;

namespace CpuLinear.Tests.Evolution;

/// <summary>reproduce --es-minutes: the whole schedule is stretched, nothing else changes, and the length depends on N alone.</summary>
public sealed class ReproduceScheduleTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Minutes_stretch_the_schedule_and_leave_every_other_setting_alone(bool quick)
    {
        EvolutionSettings standard = ReproduceCommand.RandomStart(quick, 3, onCpuEngine: true);
        EvolutionSettings night = ReproduceCommand.RandomStart(quick, 3, onCpuEngine: true, minutes: 150);
        Assert.Equal(150 * ReproduceCommand.GenerationsPerMinute, night.Generations);
        Assert.Equal(standard with { Generations = night.Generations }, night);
        // σ and the step size still run from their first to their last value, over the longer schedule.
        Assert.Equal(standard.SigmaFinal, night.SigmaAt(night.Generations - 1));
        Assert.Equal(standard.SigmaAt(standard.Generations / 2), night.SigmaAt(night.Generations / 2), 3);
    }

    [Fact]
    public void The_default_lengths_are_the_reference_minutes_and_tiny_budgets_still_run_two_generations()
    {
        Assert.Equal(ReproduceCommand.RandomStart(false, 1, true).Generations, ReproduceCommand.ScaledGenerations(ReproduceCommand.DefaultMinutes));
        Assert.Equal(ReproduceCommand.RandomStart(true, 1, true).Generations, ReproduceCommand.ScaledGenerations(ReproduceCommand.QuickMinutes));
        Assert.Equal(2, ReproduceCommand.ScaledGenerations(0.001));
    }
}
