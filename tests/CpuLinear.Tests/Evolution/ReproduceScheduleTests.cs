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

    [Fact]
    public void The_cpu_engine_runs_a_block_population_on_the_narrower_network_and_a_cluster_the_unit_subsets_on_the_blogs()
    {
        EvolutionSettings block = ReproduceCommand.RandomStart(false, 1, onCpuEngine: true);
        Assert.Equal((1024, 64, 1024), (block.Pairs, block.FirstLayerUnits, block.LaterLayerPairs));
        Assert.Equal((0.005f, 0.005f), (block.SigmaInitial, block.SigmaFinal));
        Assert.Equal([256, 256], ReproduceCommand.RandomStartHidden("mnist", onCpuEngine: true, laterLayers: true));
        Assert.Equal([256, 256], ReproduceCommand.RandomStartHidden("fashion-mnist", onCpuEngine: true, laterLayers: true));

        // Without later-layer members (a cluster's workers) the row stays the blog's network and unit-subset population.
        EvolutionSettings units = ReproduceCommand.RandomStart(false, 1, onCpuEngine: true, laterLayers: false);
        Assert.Equal((1024, 64, 0), (units.Pairs, units.FirstLayerUnits, units.LaterLayerPairs));
        Assert.Equal([512, 512], ReproduceCommand.RandomStartHidden("mnist", onCpuEngine: true, laterLayers: false));
        Assert.Equal([512, 512], ReproduceCommand.RandomStartHidden("mnist", onCpuEngine: false, laterLayers: false));
        Assert.Equal(0, ReproduceCommand.RandomStart(false, 1, onCpuEngine: false).LaterLayerPairs);
        Assert.Equal([16, 16], ReproduceCommand.RandomStartHidden("circles", onCpuEngine: true, laterLayers: true));
    }
}
