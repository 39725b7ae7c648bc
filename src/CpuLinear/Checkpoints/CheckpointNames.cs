using CpuLinear.Networks;


namespace CpuLinear.Checkpoints;

/// <summary>The spellings used in checkpoint metadata and on the command line (kebab-case, stable across versions).</summary>
public static class CheckpointNames
{
    /// <summary>
    /// The metadata key naming the dataset a network was trained on (as <c>Datasets.Canonical</c> spells it), so a
    /// checkpoint is evaluated on its own data by default and refused on data of another shape.
    /// </summary>
    public const string DatasetKey = "dataset";

    /// <summary>"ieee", "ftz-elementwise" or "ftz-everywhere".</summary>
    public static string Of(FloatSemantics semantics) => semantics switch
    {
        FloatSemantics.Ieee => "ieee",
        FloatSemantics.FtzElementwise => "ftz-elementwise",
        FloatSemantics.FtzEverywhere => "ftz-everywhere",
        _ => throw new ArgumentOutOfRangeException(nameof(semantics), semantics, "Unknown float semantics."),
    };

    /// <summary>"straight-through", "pure-linear" or "ftz-aware".</summary>
    public static string Of(GradientMode mode) => mode switch
    {
        GradientMode.StraightThrough => "straight-through",
        GradientMode.PureLinear => "pure-linear",
        GradientMode.FtzAware => "ftz-aware",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown gradient mode."),
    };

    /// <summary>Parses a semantics name; null when it is not one.</summary>
    public static FloatSemantics? ParseSemantics(string? name) =>
        Enum.GetValues<FloatSemantics>().Cast<FloatSemantics?>().FirstOrDefault(s => Of(s!.Value) == name);

    /// <summary>Parses a gradient mode name; null when it is not one.</summary>
    public static GradientMode? ParseGradient(string? name) =>
        Enum.GetValues<GradientMode>().Cast<GradientMode?>().FirstOrDefault(m => Of(m!.Value) == name);
}
