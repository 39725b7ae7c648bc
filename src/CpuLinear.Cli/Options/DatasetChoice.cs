using System.CommandLine;
using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Networks;

namespace CpuLinear.Cli.Options;

/// <summary>
/// <c>--dataset</c>, <c>--hidden</c> and <c>--scale-exponent</c>: which data a command runs on and the network shaped
/// for it (inputs and classes from the data, hidden widths and S from the options or <see cref="DatasetDefaults"/>).
/// </summary>
internal static class DatasetChoice
{
    /// <summary>The dataset when neither the command line nor a checkpoint names one.</summary>
    public const string Default = "mnist";

    /// <summary>The names <c>--dataset</c> takes, for help and errors.</summary>
    public const string Names = "mnist, fashion-mnist, xor, circles or parityN (N = 2..20)";

    /// <summary><c>--dataset</c>; <paramref name="defaultText"/> says what an absent one means for the command.</summary>
    public static Option<string?> Option(string defaultText) => new("--dataset")
    {
        Description = $"Dataset: {Names}; the synthetic tasks are generated from data seed 1 whatever --seed says. {defaultText}",
        HelpName = "NAME",
    };

    /// <summary><c>--hidden</c>: the hidden widths, comma-separated.</summary>
    public static Option<string?> Hidden() => new("--hidden")
    {
        Description = "Hidden-layer widths, comma-separated, 1 to 7 layers (default: 512,512 on mnist and fashion-mnist, 16,16 on xor, circles and parityN).",
        HelpName = "W1,W2,...",
    };

    /// <summary><c>--scale-exponent</c>: S in s = 2^S, the nonlinearity's strength (the dead zone's edge is 2^(S−126)).</summary>
    public static Option<int> ScaleExponent() => new("--scale-exponent")
    {
        Description = "S in the scale s = 2^S, 1..126: hidden values below 2^(S-126) in scaled units are flushed, so a larger S is a stronger nonlinearity (the blog's 125: edge 0.5).",
        DefaultValueFactory = _ => 125,
    };

    /// <summary>
    /// The dataset <paramref name="option"/> names in its catalogue spelling, else <paramref name="fallback"/> (a
    /// checkpoint's), else <see cref="Default"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown (a usage error listing the known ones).</exception>
    public static string Name(ParseResult parse, Option<string?> option, string? fallback = null)
    {
        string? given = parse.GetValue(option);
        try
        {
            return Datasets.Canonical(given ?? fallback ?? Default);
        }
        catch (ArgumentException) when (given is not null)
        {
            throw new ArgumentException($"--dataset must be {Names}; got '{given}'.");
        }
    }

    /// <summary>The dataset <paramref name="checkpoint"/> records, in its catalogue spelling; null when it records none.</summary>
    /// <exception cref="ArgumentException">It records a name that is not a dataset.</exception>
    public static string? Recorded(Checkpoint checkpoint, string path)
    {
        if (!checkpoint.Extra.TryGetValue(CheckpointNames.DatasetKey, out string? name))
        {
            return null;
        }

        try
        {
            return Datasets.Canonical(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"'{path}' records the dataset '{name}', which is not one of {Names}; pass --dataset.");
        }
    }

    /// <summary>Loads <paramref name="name"/> (fetching on first use), logging where it came from.</summary>
    public static DatasetSplits Load(string name, string? dataDirectory, TextWriter log) =>
        Datasets.Load(name, new DatasetLoadOptions { DataDirectory = dataDirectory, Log = log });

    /// <summary>
    /// The hidden widths <paramref name="hidden"/> gives (else the dataset's defaults) and the scale exponent, as
    /// checked values.
    /// </summary>
    /// <exception cref="ArgumentException">A width is not a number in [1, 65536], there are more than 7, or S is outside [1, 126].</exception>
    public static (IReadOnlyList<int> Hidden, int ScaleExponent) Shape(ParseResult parse, Option<string?> hidden, Option<int> scale, string dataset)
    {
        int exponent = parse.GetValue(scale);
        if (exponent is < 1 or > 126)
        {
            throw new ArgumentException($"--scale-exponent must be in 1..126 (s = 2^S and 1/s are normal floats); got {exponent}.");
        }

        string? text = parse.GetValue(hidden);
        return (text is null ? DatasetDefaults.For(dataset).Hidden : Widths(text, "--hidden", maxCount: 7), exponent);
    }

    /// <summary>Parses a comma-separated list of widths, each in [1, 65536].</summary>
    /// <exception cref="ArgumentException">An entry is not such a number, or there are none or more than <paramref name="maxCount"/>.</exception>
    public static IReadOnlyList<int> Widths(string text, string option, int maxCount)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] is < 1 or > 1 << 16)
            {
                throw new ArgumentException($"{option} takes widths in 1..65536, comma-separated (e.g. 512,512); '{parts[i]}' in '{text}' is not one.");
            }
        }

        return widths.Length <= maxCount
            ? widths
            : throw new ArgumentException($"{option} takes at most {maxCount} widths; got {widths.Length} ('{text}').");
    }

    /// <summary>The network for <paramref name="data"/>: its features in, the hidden widths, its classes out.</summary>
    public static NetworkArchitecture Network(DatasetSplits data, IReadOnlyList<int> hidden, int scaleExponent) =>
        new([data.Train.Features, .. hidden, data.Train.ClassCount], scaleExponent);
}
