using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>The spellings of <see cref="SweepTrainer"/> in sweep files and on the command line.</summary>
public static class SweepTrainers
{
    /// <summary>Every trainer, in table order.</summary>
    public static IReadOnlyList<SweepTrainer> All { get; } = [SweepTrainer.StraightThrough, SweepTrainer.PureLinear, SweepTrainer.FtzAware, SweepTrainer.Evolution];

    /// <summary>"straight-through", "pure-linear", "ftz-aware" or "es".</summary>
    public static string Name(SweepTrainer trainer) => trainer switch
    {
        SweepTrainer.StraightThrough => "straight-through",
        SweepTrainer.PureLinear => "pure-linear",
        SweepTrainer.FtzAware => "ftz-aware",
        SweepTrainer.Evolution => "es",
        _ => throw new ArgumentOutOfRangeException(nameof(trainer), trainer, "Unknown sweep trainer."),
    };

    /// <summary>The trainer a name spells; null when it is none.</summary>
    public static SweepTrainer? Parse(string name) => All.Cast<SweepTrainer?>().FirstOrDefault(t => Name(t!.Value) == name);

    /// <summary>The backprop gradient of a backprop trainer; null for ES.</summary>
    public static GradientMode? Gradient(SweepTrainer trainer) => trainer switch
    {
        SweepTrainer.StraightThrough => GradientMode.StraightThrough,
        SweepTrainer.PureLinear => GradientMode.PureLinear,
        SweepTrainer.FtzAware => GradientMode.FtzAware,
        _ => null,
    };
}
