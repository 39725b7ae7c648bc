using CpuLinear.Cli.Commands;
using CpuLinear.Evolution;

namespace CpuLinear.Tests.Evolution;

/// <summary>reproduce --es-minutes: the whole schedule is stretched, nothing else changes, and the length depends on N alone.</summary>
public sealed class ReproduceScheduleTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void Minutes_stretch_the_schedule_and_leave_every_other_setting_alone(bool quick, bool laterLayers)
    {
        EvolutionSettings standard = ReproduceCommand.RandomStart(quick, 3, onCpuEngine: true, laterLayers: laterLayers);
        EvolutionSettings night = ReproduceCommand.RandomStart(quick, 3, onCpuEngine: true, minutes: 150, laterLayers: laterLayers);
        int perMinute = laterLayers ? ReproduceCommand.ActivityGenerationsPerMinute : ReproduceCommand.GenerationsPerMinute;
        Assert.Equal(150 * perMinute, night.Generations);
        Assert.Equal(standard with { Generations = night.Generations }, night);
        // σ and the step size still run from their first to their last value, over the longer schedule.
        Assert.Equal(standard.SigmaFinal, night.SigmaAt(night.Generations - 1));
        Assert.Equal(standard.SigmaAt(standard.Generations / 2), night.SigmaAt(night.Generations / 2), 3);
    }

    [Fact]
    public void The_default_lengths_are_the_reference_minutes_and_tiny_budgets_still_run_two_generations()
    {
        EvolutionSettings activity = ReproduceCommand.RandomStart(false, 1, true);
        Assert.Equal(activity.Generations, ReproduceCommand.ScaledGenerations(ReproduceCommand.ActivityDefaultMinutes, activity));
        Assert.Equal(ReproduceCommand.QuickActivityGenerations, ReproduceCommand.RandomStart(true, 1, true).Generations);
        EvolutionSettings units = ReproduceCommand.RandomStart(false, 1, true, laterLayers: false);
        Assert.Equal(units.Generations, ReproduceCommand.ScaledGenerations(ReproduceCommand.DefaultMinutes));
        Assert.Equal(ReproduceCommand.RandomStart(true, 1, true, laterLayers: false).Generations, ReproduceCommand.ScaledGenerations(ReproduceCommand.QuickMinutes));
        Assert.Equal(2, ReproduceCommand.ScaledGenerations(0.001));
        Assert.Equal(2, ReproduceCommand.ScaledGenerations(0.001, activity));
    }

    [Fact]
    public void The_cpu_engine_runs_activity_members_on_the_blogs_network_and_a_cluster_the_unit_subsets()
    {
        EvolutionSettings activity = ReproduceCommand.RandomStart(false, 1, onCpuEngine: true);
        Assert.Equal((64, ActivityUnits.Live, 0, 0), (activity.ActivityPairs, activity.ActivityUnits, activity.FirstLayerUnits, activity.LaterLayerPairs));
        Assert.Equal((0.05f, 0.05f, 0f, 6000), (activity.SigmaInitial, activity.SigmaFinal, activity.WeightDecay, activity.Generations));
        Assert.Equal([512, 512], ReproduceCommand.RandomStartHidden("mnist", onCpuEngine: true, laterLayers: true));
        Assert.Equal([512, 512], ReproduceCommand.RandomStartHidden("fashion-mnist", onCpuEngine: true, laterLayers: true));

        // Without later-layer members (a cluster's workers) the row is the unit-subset population on the same network.
        EvolutionSettings units = ReproduceCommand.RandomStart(false, 1, onCpuEngine: true, laterLayers: false);
        Assert.Equal((1024, 64, 0, 0), (units.Pairs, units.FirstLayerUnits, units.LaterLayerPairs, units.ActivityPairs));
        Assert.Equal([512, 512], ReproduceCommand.RandomStartHidden("mnist", onCpuEngine: true, laterLayers: false));
        Assert.Equal([512, 512], ReproduceCommand.RandomStartHidden("mnist", onCpuEngine: false, laterLayers: false));
        Assert.Equal(0, ReproduceCommand.RandomStart(false, 1, onCpuEngine: false).ActivityPairs);
        Assert.Equal([16, 16], ReproduceCommand.RandomStartHidden("circles", onCpuEngine: true, laterLayers: true));
    }
}
