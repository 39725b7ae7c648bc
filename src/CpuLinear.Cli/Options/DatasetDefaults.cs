using CpuLinear.Data;
using CpuLinear.Evolution;

namespace CpuLinear.Cli.Options;

/// <summary>
/// What a command uses on a dataset when the command line does not say: the hidden widths, backprop's epochs and
/// the ES settings. The image datasets get the blog's network and the project's MNIST schedules; the synthetic
/// tasks (a few features, two classes, about a thousand examples) get a small network and the ES settings the toy
/// tests solve them with, since the MNIST ones would spend minutes on a 2-feature problem.
/// </summary>
/// <param name="Hidden">Hidden-layer widths (input and class widths come from the data).</param>
/// <param name="Epochs">Backprop passes over the training set.</param>
/// <param name="LearningRate">Backprop's Adam step size for the first half of the epochs.</param>
/// <param name="Evolution">ES settings, every field a default an option can override.</param>
internal sealed record DatasetDefaults(IReadOnlyList<int> Hidden, int Epochs, float LearningRate, EvolutionSettings Evolution)
{
    /// <summary>Backprop epochs on mnist and fashion-mnist: the FTZ-aware reference schedule (docs/science.md §6 and §9).</summary>
    public const int ImageEpochs = 8;

    /// <summary>Backprop epochs on the synthetic tasks: about 1,000 examples each, so 8 epochs would be 64 steps.</summary>
    public const int SyntheticEpochs = 100;

    /// <summary>mnist and fashion-mnist: 784-512-512-10, 8 epochs at 1e-3, the library's ES defaults.</summary>
    public static DatasetDefaults Images { get; } = new([512, 512], ImageEpochs, 1e-3f, new EvolutionSettings());

    /// <summary>
    /// xor, circles, parityN: two hidden layers of 16, 100 epochs at 1e-2, and ES with 32 full-rank pairs, batch
    /// 256, 300 generations, σ 0.1 → 0.02, step 0.03 → 0.003 (the settings ToyTaskTests solve all three with).
    /// </summary>
    public static DatasetDefaults Synthetic { get; } = new([16, 16], SyntheticEpochs, 1e-2f, new EvolutionSettings
    {
        Pairs = 32, BatchSize = 256, Generations = 300, Rank = 0,
        SigmaInitial = 0.1f, SigmaFinal = 0.02f, LearningRateInitial = 0.03f, LearningRateFinal = 0.003f,
    });

    /// <summary>The defaults of <paramref name="dataset"/> (a name <see cref="Datasets.Canonical"/> accepts).</summary>
    public static DatasetDefaults For(string dataset) => Datasets.IsSynthetic(dataset) ? Synthetic : Images;

    /// <summary>One line for help texts: which defaults each kind of dataset gets.</summary>
    public const string Help =
        "Defaults follow the dataset: mnist and fashion-mnist get hidden 512,512, 8 backprop epochs at lr 1e-3 and the ES defaults shown; " +
        "xor, circles and parityN get hidden 16,16, 100 epochs at lr 1e-2 and ES with 32 full-rank pairs, 300 generations, σ 0.1→0.02, es-lr 0.03→0.003.";
}
