using System.CommandLine;
using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Experiments;

namespace CpuLinear.Cli.Options;

/// <summary>
/// The options of <c>sweep</c>: the grid's axes, the data, and the two trainers' schedules, with defaults that follow
/// the dataset (a small grid on a synthetic task by default, finishing in minutes on 2 cores), read into a
/// <see cref="SweepPlan"/>; and the one command line that reruns a plan.
/// </summary>
internal sealed class SweepOptions
{
    /// <summary>The default dataset: a task no linear classifier solves (ceiling 50%), where every cell takes seconds.</summary>
    public const string DefaultDataset = "circles";

    /// <summary>Default depths: 2 to 8 weight layers.</summary>
    public const string DefaultDepths = "2..8";

    /// <summary>Default scale exponents, from a dead-zone edge of 2^-26 (almost linear) through the blog's 2^-1 to 1, densest where it starts to matter.</summary>
    public const string DefaultScales = "100,106,110,113,116,118,119,120,121,122,123,124,125,126";

    /// <summary>ES on mnist and fashion-mnist in a sweep: a short run per cell (about 25 s at width 128, 10,000 examples).</summary>
    public static EvolutionSettings ImageEvolution { get; } = new()
    {
        Generations = 300, Pairs = 64, BatchSize = 256, Rank = 1,
        SigmaInitial = 0.02f, SigmaFinal = 0.01f, LearningRateInitial = 0.004f, LearningRateFinal = 0.0003f,
    };

    public Option<string?> Dataset { get; } = DatasetChoice.Option(
        $"Default: {DefaultDataset}. mnist and fashion-mnist default to --limit 10000, width 128, 8 backprop epochs at lr 1e-3 and ES of 64 rank-1 pairs, 300 generations, sigma 0.02->0.01, es-lr 0.004->0.0003; " +
        "xor, circles and parityN to all examples, width 16, 100 epochs at lr 1e-2 and ES of 32 full-rank pairs, 300 generations, sigma 0.1->0.02, es-lr 0.03->0.003.");

    public Option<string> Depths { get; } = new("--depth") { Description = "Depths (weight layers, 2..8; 3 is the blog's 784-512-512-10), comma-separated or a range a..b.", DefaultValueFactory = _ => DefaultDepths };

    public Option<string?> Widths { get; } = new("--width") { Description = "Hidden widths, comma-separated or a range (every hidden layer of a cell has the same width; default per dataset, see --dataset).", HelpName = "W[,W...]" };

    public Option<string> Scales { get; } = new("--scale-exponent") { Description = "Scale exponents S (1..126): hidden values below 2^(S-126) in scaled units are flushed, so S is the nonlinearity's strength.", DefaultValueFactory = _ => DefaultScales };

    public Option<string> Trainers { get; } = new("--trainer") { Description = "Trainers: straight-through, pure-linear, ftz-aware (backprop's three gradients) and es (evolution strategies from a random start).", DefaultValueFactory = _ => string.Join(",", SweepTrainers.All.Select(SweepTrainers.Name)) };

    public Option<string> Semantics { get; } = new("--semantics") { Description = "Float semantics each trained network is measured under (literal float32 program); the first is the figures' solid line, ieee their dashed ablation.", DefaultValueFactory = _ => "ftz-elementwise,ieee,ftz-everywhere" };

    public Option<int?> Limit { get; } = new("--limit") { Description = "Train and measure every cell on the first N training and N test examples (default: 10000 on mnist and fashion-mnist, all on the synthetic tasks)." };

    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Backprop epochs per cell (default per dataset)." };

    public Option<int> Batch { get; } = new("--batch") { Description = "Backprop minibatch size.", DefaultValueFactory = _ => 128 };

    public Option<float?> LearningRate { get; } = new("--lr") { Description = "Backprop's Adam step for the first half of the epochs, x0.3 after (default per dataset)." };

    public Option<int?> Generations { get; } = new("--generations") { Description = "ES generations per cell (default 300)." };

    public Option<int?> Pairs { get; } = new("--pairs") { Description = "ES antithetic pairs per generation (default per dataset)." };

    public Option<int?> EsBatch { get; } = new("--es-batch") { Description = "ES minibatch rows per generation (default 256)." };

    public Option<float?> Sigma { get; } = new("--sigma") { Description = "ES perturbation scale at the first generation (default per dataset)." };

    public Option<float?> SigmaFinal { get; } = new("--sigma-final") { Description = "ES perturbation scale at the last generation (default per dataset)." };

    public Option<float?> EsLearningRate { get; } = new("--es-lr") { Description = "ES Adam step at the first generation (default per dataset)." };

    public Option<float?> EsLearningRateFinal { get; } = new("--es-lr-final") { Description = "ES Adam step at the last generation (default per dataset)." };

    public Option<int?> Rank { get; } = new("--rank") { Description = "Rank of each ES weight perturbation; 0 = full rank (default per dataset)." };

    public Option<ulong> Seed { get; } = SharedOptions.Seed("Seed of every cell's initialisation, minibatch order and ES noise.");

    /// <summary>Every option, in help order.</summary>
    public IReadOnlyList<Option> All => [Dataset, Depths, Widths, Scales, Trainers, Semantics, Limit, Epochs, Batch, LearningRate, Generations, Pairs, EsBatch, Sigma, SigmaFinal, EsLearningRate, EsLearningRateFinal, Rank, Seed];

    /// <summary>The plan the command line asks for, every value checked.</summary>
    /// <exception cref="ArgumentException">A value is malformed or out of range (a usage error naming the option).</exception>
    public SweepPlan Read(ParseResult parse)
    {
        string dataset = DatasetChoice.Name(parse, Dataset, DefaultDataset);
        bool images = !Datasets.IsSynthetic(dataset);
        DatasetDefaults defaults = DatasetDefaults.For(dataset);
        EvolutionSettings es = images ? ImageEvolution : defaults.Evolution;
        var grid = new SweepGrid(
            Integers(parse.GetValue(Depths)!, "--depth", 2, 8),
            parse.GetValue(Widths) is { } widths ? Integers(widths, "--width", 1, 1 << 16) : [images ? 128 : 16],
            Integers(parse.GetValue(Scales)!, "--scale-exponent", 1, 126),
            Names(parse.GetValue(Trainers)!, "--trainer", SweepTrainers.Parse, "straight-through, pure-linear, ftz-aware, es"),
            Names(parse.GetValue(Semantics)!, "--semantics", CheckpointNames.ParseSemantics, "ieee, ftz-elementwise, ftz-everywhere"));
        try
        {
            grid.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"sweep: {ex.Message}");
        }

        int? limit = parse.GetResult(Limit) is { Implicit: false } ? parse.GetValue(Limit) : images ? 10_000 : null;
        var settings = new SweepSettings(
            dataset,
            limit is < 1 ? throw new ArgumentException($"--limit must be at least 1; got {limit}.") : limit,
            parse.GetValue(Seed),
            Positive(parse.GetValue(Epochs) ?? defaults.Epochs, "--epochs"),
            Positive(parse.GetValue(Batch), "--batch"),
            PositiveRate(parse.GetValue(LearningRate) ?? defaults.LearningRate, "--lr"),
            es with
            {
                Generations = Positive(parse.GetValue(Generations) ?? es.Generations, "--generations"),
                Pairs = Positive(parse.GetValue(Pairs) ?? es.Pairs, "--pairs"),
                BatchSize = Positive(parse.GetValue(EsBatch) ?? es.BatchSize, "--es-batch"),
                SigmaInitial = PositiveRate(parse.GetValue(Sigma) ?? es.SigmaInitial, "--sigma"),
                SigmaFinal = PositiveRate(parse.GetValue(SigmaFinal) ?? es.SigmaFinal, "--sigma-final"),
                LearningRateInitial = PositiveRate(parse.GetValue(EsLearningRate) ?? es.LearningRateInitial, "--es-lr"),
                LearningRateFinal = PositiveRate(parse.GetValue(EsLearningRateFinal) ?? es.LearningRateFinal, "--es-lr-final"),
                Rank = parse.GetValue(Rank) ?? es.Rank,
                Seed = parse.GetValue(Seed),
            });
        settings.Evolution.Validate();
        return new SweepPlan(grid, settings);
    }

    /// <summary>The command line that runs <paramref name="plan"/>, every setting spelled out, so a table says how to make it again.</summary>
    public static string Command(SweepPlan plan)
    {
        SweepGrid g = plan.Grid;
        SweepSettings s = plan.Settings;
        EvolutionSettings es = s.Evolution;
        var parts = new List<string>
        {
            $"cpulinear sweep --dataset {s.Dataset}",
            $"--depth {string.Join(",", g.Depths)} --width {string.Join(",", g.Widths)} --scale-exponent {string.Join(",", g.ScaleExponents)}",
            $"--trainer {string.Join(",", g.Trainers.Select(SweepTrainers.Name))} --semantics {string.Join(",", g.Semantics.Select(CheckpointNames.Of))}",
        };
        if (s.Limit is { } limit)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"--limit {limit}"));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--epochs {s.Epochs} --batch {s.Batch} --lr {s.LearningRate:R}"));
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--generations {es.Generations} --pairs {es.Pairs} --es-batch {es.BatchSize} --sigma {es.SigmaInitial:R} --sigma-final {es.SigmaFinal:R}"));
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--es-lr {es.LearningRateInitial:R} --es-lr-final {es.LearningRateFinal:R} --rank {es.Rank} --seed {s.Seed}"));
        return string.Join(" ", parts);
    }

    // "2,3,5" or "2..8" (or a mix: "2..4,6,8").
    private static List<int> Integers(string text, string option, int min, int max)
    {
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split("..", StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                throw new ArgumentException($"{option} takes numbers in {min}..{max}, comma-separated or as a range a..b; '{part}' in '{text}' is neither.");
            }

            int from = int.Parse(ends[0], CultureInfo.InvariantCulture), to = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (from < min || to > max || from > to)
            {
                throw new ArgumentException($"{option} takes numbers in {min}..{max}; '{part}' in '{text}' is outside it.");
            }

            values.AddRange(Enumerable.Range(from, to - from + 1));
        }

        return values;
    }

    private static List<T> Names<T>(string text, string option, Func<string, T?> parse, string known)
        where T : struct =>
        [.. text.Split(',', StringSplitOptions.TrimEntries).Select(name =>
            parse(name) ?? throw new ArgumentException($"{option} takes {known}, comma-separated; '{name}' in '{text}' is none of them."))];

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1; got {value}.");

    private static float PositiveRate(float value, string option) =>
        value > 0 && float.IsFinite(value) ? value : throw new ArgumentException($"{option} must be a positive number; got {value}.");
}
