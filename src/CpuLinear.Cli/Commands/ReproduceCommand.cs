using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CpuLinear.Backends;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Cli.Options;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear reproduce [--quick]</c>: the blog's experiment end to end: backprop (blind to underflow), ES from
/// a random start (the headline; on the CPU engine with activity members), ES from the FTZ-aware backprop solution
/// (labelled), the IEEE ablation and the best linear classifier, every accuracy from the literal float32 program.
/// </summary>
public static class ReproduceCommand
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var quick = new Option<bool>("--quick") { Description = "A short run (about 4 minutes on the 2-core reference machine): 2 backprop epochs, 2000 generations of ES with activity members from a random start (1000 of unit-subset members on a cluster), 20 of ES from backprop. Its length is fixed in generations, so its bits are the same on every machine." };
        var outDir = new Option<string>("--out") { Description = "Folder for table, metrics, plots and checkpoints.", DefaultValueFactory = _ => "reproduce" };
        Option<ulong> seed = SharedOptions.Seed("Seed of every run.");
        Option<int> threads = SharedOptions.Threads();
        Option<string?> dataDir = SharedOptions.DataDirectory();
        var esMinutes = new Option<double?>("--es-minutes")
        {
            Description = $"Length of the ES run from a random start in minutes of the 2-core reference machine: its whole σ and step-size schedule is stretched to that machine's generations a minute ({ActivityGenerationsPerMinute} for the CPU engine's activity members, {GenerationsPerMinute} for a cluster's unit subsets; default: {ActivityDefaultMinutes} and {DefaultMinutes}; --quick: {QuickActivityGenerations} generations and {QuickMinutes:F1} minutes). The same N gives the same bits on every machine; a slower one takes longer.",
        };
        var esTimeLimit = new Option<double?>("--es-time-limit") { Description = "Wall-time cap of that ES run in minutes, cutting its schedule short (default: none). A cut run's bits depend on the machine's speed." };
        Option<string> backend = SharedOptions.Backend("the ES population");
        Option<bool> overwrite = RunOutputs.CreateOverwriteOption();
        var command = new Command("reproduce", "Reproduce the blog's table: backprop vs evolution strategies on the float32 deep linear network.");
        Option<string?> cluster = SharedOptions.Cluster();
        Option<string> clusterId = SharedOptions.ClusterId();
        Option<string?> clusterSecret = SharedOptions.ClusterSecret();
        Option<string?> dataset = DatasetChoice.Option(
            $"Default: {DatasetChoice.Default}. fashion-mnist runs the same pipeline and network; xor, circles and parityN a 16,16 network, {DatasetDefaults.SyntheticEpochs} backprop epochs and the small ES of --dataset's defaults (see train --help).");
        foreach (Option option in new Option[] { quick, outDir, seed, threads, dataDir, esMinutes, esTimeLimit, backend, overwrite, cluster, clusterId, clusterSecret, dataset })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {

            bool isQuick = parse.GetValue(quick);
            double? minutes = parse.GetValue(esMinutes);
            if (minutes is { } requested && !(requested > 0 && requested <= 100_000))
            {
                throw new ArgumentException($"--es-minutes must be a positive number of minutes (at most 100000); got {requested}.");
            }

            double? cap = parse.GetValue(esTimeLimit);
            if (cap is { } limit && !(limit > 0))
            {
                throw new ArgumentException($"--es-time-limit must be a positive number of minutes; got {limit}.");
            }

            EngineSettings engine = SharedOptions.Engine(parse, threads);
            string datasetName = DatasetChoice.Name(parse, dataset);
            string? gateways = parse.GetValue(cluster);
            if (gateways is not null)
            {
                SharedOptions.RejectIgnored(parse, "reproduce --cluster (the workers evaluate on their CPU engines)", [backend]);
            }

            using ClusterConnection? connection = gateways is null
                ? null
                : ClusterConnection.Open(gateways, parse.GetValue(clusterId)!, SharedOptions.Secret(parse, clusterSecret), datasetName, engine, errors ?? Console.Error);
            using IPopulationEvaluator? local = connection is null ? EvolutionOptions.CreateEvaluator(parse.GetValue(backend)!, engine) : null;
            IPopulationEvaluator population = connection?.Evaluator ?? local!;
            Run(output ?? AnsiConsole.Console, errors ?? Console.Error, isQuick, parse.GetValue(outDir)!, parse.GetValue(seed),
                engine, population, parse.GetValue(dataDir), minutes, cap, parse.GetValue(overwrite), connection is null ? null : connection.Status, datasetName);
        }));
        return command;
    }

    /// <summary>
    /// ES from a random start (docs/evolution.md has the sweeps and the runs). On the CPU engine activity members on
    /// the blog's network (<see cref="Activity"/>: 96.07% test in 6000 generations, against 93.81% for the best
    /// population that perturbs θ). An evaluator without later-layer members (a cluster) gets the unit-subset
    /// population; a compute backend evaluates dense members only, so it gets the library's dense defaults (256 pairs).
    /// </summary>
    internal static EvolutionSettings RandomStart(
        bool quick, ulong seed, bool onCpuEngine, double? minutes = null, string dataset = DatasetChoice.Default, bool laterLayers = true)
    {
        if (Datasets.IsSynthetic(dataset))
        {
            // A few features and a 16,16 network: the toy tasks' settings, which solve them in seconds (one length for --quick too).
            EvolutionSettings toy = DatasetDefaults.Synthetic.Evolution with { Seed = seed };
            return minutes is { } length ? toy with { Generations = ScaledGenerations(length) } : toy;
        }

        if (minutes is { } m)
        {
            EvolutionSettings standard = RandomStart(quick, seed, onCpuEngine, dataset: dataset, laterLayers: laterLayers);
            return standard with { Generations = ScaledGenerations(m, standard) };
        }

        if (!onCpuEngine)
        {
            return quick
                ? new EvolutionSettings { Generations = 1900, Pairs = 128, BatchSize = 256, SigmaFinal = 0.01f, LearningRateFinal = 0.0003f, Seed = seed }
                : new EvolutionSettings { Seed = seed };
        }

        var unitSubsets = new EvolutionSettings
        {
            Pairs = 1024,
            BatchSize = 256,
            FirstLayerUnits = 64,
            Generations = quick ? 1000 : 2600,
            SigmaInitial = 0.02f,
            SigmaFinal = quick ? 0.01f : 0.005f,
            LearningRateInitial = 0.004f,
            LearningRateFinal = quick ? 0.0003f : 0.0002f,
            Seed = seed,
        };
        return laterLayers ? Activity(quick, seed) : unitSubsets;
    }

    /// <summary>
    /// The CPU engine's random-start row: ES with activity members on the blog's network (docs/evolution.md,
    /// "Activity members"): every batch row's own 64 pairs per layer on the layers' products, live units, σ .05 held,
    /// Adam .001→.00003, no decay; the default spans <see cref="ActivityDefaultMinutes"/> reference minutes, --quick a
    /// fixed <see cref="QuickActivityGenerations"/> generations.
    /// </summary>
    internal static EvolutionSettings Activity(bool quick, ulong seed) => new()
    {
        ActivityPairs = 64,
        ActivityUnits = ActivityUnits.Live,
        BatchSize = 256,
        Generations = quick ? QuickActivityGenerations : ScaledGenerations(ActivityDefaultMinutes, ActivityGenerationsPerMinute),
        SigmaInitial = 0.05f,
        SigmaFinal = 0.05f,
        LearningRateInitial = 0.001f,
        LearningRateFinal = 0.00003f,
        WeightDecay = 0,
        Seed = seed,
    };

    /// <summary>Generations of the activity row under --quick (fixed, so its bits are the same on every machine).</summary>
    internal const int QuickActivityGenerations = 2000;

    /// <summary>
    /// The activity row's default length in reference minutes (6000 generations). Longer schedules of 32-pair members
    /// fit the training set better and the test set no better (18000 generations: 97.32% train, 94.98% test), while 64
    /// pairs over the same 6000 generations reach 96.07% (docs/evolution.md).
    /// </summary>
    internal const double ActivityDefaultMinutes = 10;

    /// <summary>
    /// Activity-member generations a minute on the 2-core reference machine (784-512-512-10, 64 pairs per row and
    /// layer, batch 256, progress evaluations included: about 670 on a 2-core AMD EPYC, 2026-12-07, rounded down), which
    /// turns <c>--es-minutes</c> into a machine-independent length.
    /// </summary>
    internal const int ActivityGenerationsPerMinute = 600;

    /// <summary>
    /// Hidden widths of the random-start ES row: the dataset's network (the blog's 512,512 on the images) for every
    /// population. (The block population of 2026-12-02 ran on 256,256; activity members need no narrower network.)
    /// </summary>
    internal static IReadOnlyList<int> RandomStartHidden(string dataset, bool onCpuEngine, bool laterLayers) =>
        DatasetDefaults.For(dataset).Hidden;

    /// <summary>
    /// Generations a minute of the random-start ES on the 2-core reference machine (AMD EPYC Zen 4: 2600 in about 20
    /// minutes), which turns <c>--es-minutes</c> into a schedule length that does not depend on the machine.
    /// </summary>
    internal const int GenerationsPerMinute = 130;

    /// <summary>The default schedule in reference minutes (2600 generations) and the quick one's (1000).</summary>
    internal const double DefaultMinutes = 20, QuickMinutes = 1000.0 / GenerationsPerMinute;

    /// <summary>The schedule length <c>--es-minutes</c> <paramref name="minutes"/> gives (at least 2 generations).</summary>
    internal static int ScaledGenerations(double minutes, int perMinute = GenerationsPerMinute) => (int)Math.Max(2, Math.Round(minutes * perMinute));

    /// <summary>The length <c>--es-minutes</c> gives the population of <paramref name="settings"/> (its own rate a minute).</summary>
    internal static int ScaledGenerations(double minutes, EvolutionSettings settings) =>
        ScaledGenerations(minutes, settings.UsesActivityMembers ? ActivityGenerationsPerMinute : GenerationsPerMinute);

    /// <summary>ES fine-tuning the FTZ-aware backprop solution: small σ and step so the start is not destroyed.</summary>
    internal static EvolutionSettings FromBackprop(bool quick, ulong seed) => new()
    {
        Generations = quick ? 20 : 400,
        Pairs = 128,
        BatchSize = 1024,
        Rank = 1,
        Seed = seed,
        SigmaInitial = 0.005f,
        SigmaFinal = 0.002f,
        LearningRateInitial = 3e-4f,
        LearningRateFinal = 1e-4f,
    };

    /// <summary>Every file a run writes, relative to its --out folder: an earlier run's are kept unless --overwrite.</summary>
    internal static IReadOnlyList<string> OutputFiles { get; } =
    [
        "table.md", "es-random-start.metrics.jsonl", "es-from-ftz-aware-bp.metrics.jsonl",
        Path.Combine("checkpoints", "bp-straight-through.safetensors"), Path.Combine("checkpoints", "es-random-start.safetensors"),
        Path.Combine("checkpoints", "es-from-ftz-aware-bp.safetensors"),
        Path.Combine("plots", "es-loss.png"), Path.Combine("plots", "es-accuracy.png"), Path.Combine("plots", "effective-activation.png"),
    ];

    private static void Run(
        IAnsiConsole console, TextWriter log, bool quick, string outDir, ulong seed, EngineSettings engine, IPopulationEvaluator population, string? dataDir, double? esMinutes,
        double? esTimeLimit, bool overwrite, Func<string>? clusterStatus, string dataset)
    {
        var total = Stopwatch.StartNew();
        RunOutputs.Claim(outDir, OutputFiles, overwrite, resume: null, log);
        string checkpoints = Path.Combine(outDir, "checkpoints");
        using DatasetSplits data = DatasetChoice.Load(dataset, dataDir, log);
        DatasetDefaults defaults = DatasetDefaults.For(dataset);
        // The blog's network on the image datasets (784-512-512-10, s = 2^125); the synthetic tasks' small one.
        NetworkArchitecture net = DatasetChoice.Network(data, defaults.Hidden, NetworkArchitecture.Default.ScaleExponent);
        bool blog = dataset == DatasetChoice.Default;
        IForwardExecutor literal = EvaluationExecutors.Reference(FloatSemantics.FtzElementwise, engine);
        IForwardExecutor ieee = EvaluationExecutors.Reference(FloatSemantics.Ieee, engine);
        var rows = new List<Row>();

        // 1. The best linear classifier: softmax regression trained to convergence, the ceiling any linear map reaches.
        var clock = Stopwatch.StartNew();
        LinearCeilingResult ceiling = LinearCeiling.Train(data.Train, net.Outputs, seed, engine);
        var linearTrain = Evaluation.Run(ceiling.Executor, ceiling.Parameters, data.Train);
        var linearTest = Evaluation.Run(ceiling.Executor, ceiling.Parameters, data.Test);
        console.WriteLine(string.Create(Invariant,
            $"linear classifier: {ceiling.Epochs} epochs to convergence (train loss {ceiling.TrainLoss:F4}{(ceiling.Converged ? "" : ", epoch bound reached")}) in {clock.Elapsed.TotalSeconds:F0} s; test {linearTest.Accuracy:P2}"));
        rows.Add(new Row($"best linear classifier (softmax regression, converged in {ceiling.Epochs} epochs)", blog ? "~92–93%" : "—", linearTrain.Accuracy, linearTest.Accuracy, null, null, "float32"));

        // 2. Backprop as the blog did it: straight-through, blind to the flush.
        int bpEpochs = quick ? Math.Max(2, defaults.Epochs / 4) : defaults.Epochs;
        var blind = NetworkParameters.Initialize(net, seed);
        Backprop(console, data, blind, GradientMode.StraightThrough, bpEpochs, defaults.LearningRate, seed, engine, "backprop (straight-through)");
        rows.Add(Measure("backprop (straight-through, the blog's)", blog ? "94% / 92%" : "—", blind, data, literal, ieee));
        SafetensorsCheckpoint.Write(Path.Combine(checkpoints, "bp-straight-through.safetensors"),
            new Checkpoint(blind, FloatSemantics.FtzElementwise, "bp", "straight-through", seed, bpEpochs)
            {
                Extra = new Dictionary<string, string> { [CheckpointNames.DatasetKey] = dataset },
            });

        // 3. ES from a random start: the blog's experiment.
        var runs = new List<(string Name, IReadOnlyList<GenerationMetrics> Metrics)>();
        bool onCpuEngine = population.Supports(MemberKind.UnitSubset), laterLayers = population.Supports(MemberKind.LaterLayers);
        NetworkArchitecture esNet = DatasetChoice.Network(data, RandomStartHidden(dataset, onCpuEngine, laterLayers), NetworkArchitecture.Default.ScaleExponent);
        EvolutionSettings randomSettings = RandomStart(quick, seed, onCpuEngine, esMinutes, dataset, laterLayers);
        IEvolutionRun random = randomSettings.UsesActivityMembers
            ? new ActivityEvolutionRun(NetworkParameters.Initialize(esNet, seed), randomSettings, engine)
            : new EvolutionTrainer(NetworkParameters.Initialize(esNet, seed), randomSettings, engine, population);
        if (random is EvolutionTrainer randomTrainer)
        {
            ClusterConnection.AttachIfCluster(randomTrainer);
        }

        EvolutionSessionResult esRandom = EvolutionSession.Run(console, data, random,
            new EvolutionSessionOptions("es-random-start", checkpoints, Path.Combine(outDir, "es-random-start.metrics.jsonl"),
                TimeLimit: esTimeLimit is { } m ? TimeSpan.FromMinutes(m) : null) { Status = clusterStatus, Dataset = dataset }.For(randomSettings),
            [linearTest.Accuracy, 0.95, 0.967]);
        runs.Add(("ES, random start", esRandom.Metrics));
        string widths = esNet.Equals(net) ? "" : $"{string.Join('-', esNet.Widths)}, ";
        string kind = randomSettings.UsesActivityMembers
            ? $"activity members, {EvolutionCheckpoint.ActivityUnitNames[(int)randomSettings.ActivityUnits]} units, "
            : "";
        rows.Add(Measure($"ES, random start ({kind}{widths}{random.Generation} generations, {esRandom.Seconds:F0} s)", blog ? "> 99% / 96.7%" : "—", random.Parameters, data, literal, ieee));

        // 4. ES from the FTZ-aware backprop solution (a second, labelled result: not the blog's experiment).
        var aware = NetworkParameters.Initialize(net, seed);
        Backprop(console, data, aware, GradientMode.FtzAware, bpEpochs, defaults.LearningRate, seed, engine, "backprop (FTZ-aware)");
        rows.Add(Measure("backprop (FTZ-aware, true dead-zone derivative)", "—", aware, data, literal, ieee));
        var tuned = new EvolutionTrainer(aware.Clone(), FromBackprop(quick, seed), engine, population);
        ClusterConnection.AttachIfCluster(tuned);
        EvolutionSessionResult esTuned = EvolutionSession.Run(console, data, tuned,
            new EvolutionSessionOptions("es-from-ftz-aware-bp", checkpoints, Path.Combine(outDir, "es-from-ftz-aware-bp.metrics.jsonl")) { Status = clusterStatus, Dataset = dataset },
            [0.967]);
        runs.Add(("ES from FTZ-aware backprop", esTuned.Metrics));
        rows.Add(Measure($"ES from FTZ-aware backprop ({tuned.Generation} generations, {esTuned.Seconds:F0} s)", "—", tuned.Parameters, data, literal, ieee));

        RunPlots.Loss(Path.Combine(outDir, "plots", "es-loss.png"), runs);
        RunPlots.Accuracy(Path.Combine(outDir, "plots", "es-accuracy.png"), runs, linearTest.Accuracy);
        RunPlots.EffectiveActivation(Path.Combine(outDir, "plots", "effective-activation.png"), net);

        int interval = EvolutionSessionOptions.EvaluationInterval(randomSettings);
        string table = Table(rows, esRandom, linearTest.Accuracy, total.Elapsed.TotalSeconds, quick, blog ? null : dataset, interval);
        File.WriteAllText(Path.Combine(outDir, "table.md"), table, new UTF8Encoding(false));
        Render(console, rows);
        console.WriteLine(TimeToAccuracy(esRandom, linearTest.Accuracy, interval));
        bool passed = rows[2].Test > linearTest.Accuracy;
        console.MarkupLine(passed
            ? $"[green]ES from a random start passed the linear ceiling ({linearTest.Accuracy:P2}) under the literal ftz-elementwise program.[/]"
            : $"[yellow]ES from a random start did not pass the linear ceiling ({linearTest.Accuracy:P2}) in this run.[/]");
        console.MarkupLineInterpolated($"wall time {total.Elapsed.TotalMinutes:F1} min; table, metrics, plots and checkpoints in [blue]{outDir}[/]");
    }

    private static BackpropTrainer Backprop(
        IAnsiConsole console, DatasetSplits data, NetworkParameters parameters, GradientMode mode, int epochs, float learningRate, ulong seed, EngineSettings engine, string name)
    {
        var trainer = new BackpropTrainer(parameters, mode, engine);
        LearningRateSchedule schedule = LearningRateSchedule.HalfThenDecay(learningRate, epochs);
        var clock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            trainer.TrainEpoch(data.Train, epoch, 128, schedule.At(epoch), seed);
        }

        console.WriteLine(string.Create(Invariant, $"{name}: {epochs} epochs in {clock.Elapsed.TotalSeconds:F0} s"));
        return trainer;
    }

    private static Row Measure(string name, string blog, NetworkParameters parameters, DatasetSplits data, IForwardExecutor literal, IForwardExecutor ieee) =>
        new(name, blog, Evaluation.Run(literal, parameters, data.Train).Accuracy, Evaluation.Run(literal, parameters, data.Test).Accuracy,
            Evaluation.Run(ieee, parameters, data.Train).Accuracy, Evaluation.Run(ieee, parameters, data.Test).Accuracy, "literal");

    private static void Render(IAnsiConsole console, List<Row> rows)
    {
        var table = new Table().Title("[bold]The blog's table beside ours[/]")
            .AddColumns("Training", "Blog (train / test)", "Train (ftz-elementwise)", "Test (ftz-elementwise)", "Train (ieee ablation)", "Test (ieee ablation)");
        foreach (Row r in rows)
        {
            table.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Blog), Percent(r.Train), Percent(r.Test), Percent(r.IeeeTrain), Percent(r.IeeeTest));
        }

        table.Caption("Deep networks: the literal float32 program. Ablation: the same weights with gradual underflow (no flush).");
        console.Write(table);
    }

    private static string Table(List<Row> rows, EvolutionSessionResult es, double ceiling, double seconds, bool quick, string? dataset, int interval)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# cpulinear reproduce{(quick ? " --quick" : "")}{(dataset is null ? "" : " --dataset " + dataset)}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Wall time {seconds / 60:F1} min on {Environment.ProcessorCount} cores. Accuracies from the literal float32 program.");
        text.AppendLine();
        text.AppendLine("| training | blog (train / test) | train (ftz-elementwise) | test (ftz-elementwise) | train (ieee ablation) | test (ieee ablation) |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (Row r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Blog} | {Percent(r.Train)} | {Percent(r.Test)} | {Percent(r.IeeeTrain)} | {Percent(r.IeeeTest)} |");
        }

        text.AppendLine();
        text.AppendLine(TimeToAccuracy(es, ceiling, interval));
        return text.ToString();
    }

    private static string TimeToAccuracy(EvolutionSessionResult es, double ceiling, int interval)
    {
        var parts = es.TimeToAccuracy.Select(t =>
        {
            string label = t.Accuracy == ceiling ? $"linear ceiling {Percent(ceiling)}" : Percent(t.Accuracy);
            return t.Seconds is { } s
                ? string.Create(Invariant, $"{label}: {s:F0} s (generation {t.Generation})")
                : $"{label}: not reached";
        });
        return $"ES from a random start, time to test accuracy (fused executor, checked every {interval} generations): " + string.Join("; ", parts);
    }

    private static string Percent(double? value) => value is { } v ? (v * 100).ToString("F2", Invariant) + "%" : "—";

    private sealed record Row(string Name, string Blog, double Train, double Test, double? IeeeTrain, double? IeeeTest, string Executor);
}
