using System.CommandLine;
using System.Globalization;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Cli.Plots;
using CpuLinear.Data;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear experiment noisy-gradient</c>: backprop whose steps see only a direction of cosine c with the minibatch
/// gradient, under ES's update and schedule (<see cref="NoisyGradientExperiment"/>); writes noisy-gradient.csv and
/// noisy-gradient.png into --out.
/// </summary>
internal static class NoisyGradientCommand
{
    /// <summary>The CSV's header: one row per run and measurement.</summary>
    public const string CsvHeader = "gradient,cosine,step,train_loss,test_accuracy";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the subcommand.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var d = new NoisyGradientSettings();
        var outDir = new Option<string>("--out") { Description = "Folder for noisy-gradient.csv and noisy-gradient.png.", DefaultValueFactory = _ => "experiments" };
        var gradients = new Option<string>("--gradients") { Description = "Gradients to degrade, comma-separated: ftz-aware, straight-through, pure-linear.", DefaultValueFactory = _ => string.Join(',', d.Gradients.Select(CheckpointNames.Of)) };
        var cosines = new Option<string>("--cosines") { Description = "Cosines c in (0, 1] of each step's direction with the minibatch gradient, comma-separated.", DefaultValueFactory = _ => string.Join(',', d.Cosines.Select(c => c.ToString(Invariant))) };
        var steps = new Option<int>("--steps") { Description = "Steps of each run (one minibatch each).", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--es-batch") { Description = "Rows per step.", DefaultValueFactory = _ => d.BatchSize };
        var lr = new Option<float>("--es-lr") { Description = "Adam step size at the first step.", DefaultValueFactory = _ => d.LearningRateInitial };
        var lrFinal = new Option<float>("--es-lr-final") { Description = "Adam step size at the last step (geometric decay).", DefaultValueFactory = _ => d.LearningRateFinal };
        var decay = new Option<float>("--weight-decay") { Description = "L2 coefficient λ in the direction.", DefaultValueFactory = _ => d.WeightDecay };
        var every = new Option<int>("--evaluate-every") { Description = "Measure test accuracy every this many steps.", DefaultValueFactory = _ => d.EvaluateEvery };
        Option<ulong> seed = SharedOptions.Seed("Seed of θ₀, the minibatch order and the noise.");
        Option<int> threads = SharedOptions.Threads();
        Option<string?> dataDir = SharedOptions.DataDirectory();
        Option<string?> dataset = DatasetChoice.Option($"Default: {DatasetChoice.Default}.");
        Option<bool> overwrite = OutputFiles.CreateOverwriteOption("noisy-gradient.csv and noisy-gradient.png");

        var command = new Command("noisy-gradient", "Backprop whose every step sees only a direction of cosine c with the minibatch gradient, under ES's update and step-size schedule: what an ES estimate of that quality could buy.");
        foreach (Option option in new Option[] { outDir, gradients, cosines, steps, batch, lr, lrFinal, decay, every, seed, threads, dataDir, dataset, overwrite })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            var settings = new NoisyGradientSettings
            {
                Gradients = ExperimentCommand.ParseList(parse.GetValue(gradients)!, "--gradients", "ftz-aware, straight-through or pure-linear", CheckpointNames.ParseGradient),
                Cosines = ExperimentCommand.ParseList<double>(parse.GetValue(cosines)!, "--cosines", "numbers in (0, 1]", s => double.TryParse(s, NumberStyles.Float, Invariant, out double v) && v > 0 && v <= 1 ? v : null),
                Steps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                LearningRateInitial = parse.GetValue(lr),
                LearningRateFinal = parse.GetValue(lrFinal),
                WeightDecay = parse.GetValue(decay),
                EvaluateEvery = parse.GetValue(every),
                Seed = parse.GetValue(seed),
                Threads = SharedOptions.Engine(parse, threads).MaxThreads,
            };
            settings.Validate();
            string datasetName = DatasetChoice.Name(parse, dataset);
            string folder = parse.GetValue(outDir)!;
            string csv = Path.Combine(folder, "noisy-gradient.csv"), png = Path.Combine(folder, "noisy-gradient.png");
            OutputFiles.Claim([csv, png], parse.GetValue(overwrite), "--out");

            using DatasetSplits data = DatasetChoice.Load(datasetName, parse.GetValue(dataDir), log);
            NetworkArchitecture net = DatasetChoice.Network(data, DatasetDefaults.For(datasetName).Hidden, NetworkArchitecture.Default.ScaleExponent);
            log.WriteLine(string.Create(Invariant, $"{net} on {datasetName}: {settings.Gradients.Count * settings.Cosines.Count} runs of {settings.Steps} steps, batch {settings.BatchSize}, Adam {settings.LearningRateInitial}→{settings.LearningRateFinal}, λ {settings.WeightDecay}, seed {settings.Seed}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            IReadOnlyList<NoisyGradientPoint> points = NoisyGradientExperiment.Run(net, data, settings, p =>
            {
                if (p.Step == settings.Steps)
                {
                    log.WriteLine(string.Create(Invariant, $"  {CheckpointNames.Of(p.Gradient)} at cosine {p.Cosine}: test {p.TestAccuracy:P2} after {p.Step} steps ({clock.Elapsed.TotalSeconds:F0} s)"));
                }
            });

            byte[] figure = RunComparisonFigure.Png([.. points.GroupBy(p => (p.Gradient, p.Cosine)).Select(run =>
                (Label(run.Key.Gradient, run.Key.Cosine), (IReadOnlyList<(double X, double Accuracy)>)[.. run.Select(p => ((double)p.Step, p.TestAccuracy))]))], RunAxis.Generations);
            ExperimentCommand.Finish(output, Table(points, settings), csv, Csv(points), png, figure);
        }));
        return command;
    }

    /// <summary>The points as CSV (<see cref="CsvHeader"/>), numbers in invariant round-trip form.</summary>
    public static string Csv(IEnumerable<NoisyGradientPoint> points) =>
        ExperimentCommand.Csv(CsvHeader, points, p => string.Create(Invariant, $"{CheckpointNames.Of(p.Gradient)},{p.Cosine:R},{p.Step},{p.TrainLoss:R},{p.TestAccuracy:R}"));

    private static string Label(GradientMode gradient, double cosine) => string.Create(Invariant, $"{CheckpointNames.Of(gradient)}, cos {cosine:G3}");

    private static Table Table(IReadOnlyList<NoisyGradientPoint> points, NoisyGradientSettings settings)
    {
        int[] marks = [.. new[] { settings.Steps / 10, settings.Steps / 4, settings.Steps / 2, settings.Steps }.Distinct().Where(s => s > 0)];
        var table = new Table().Title("[bold]Test accuracy (literal float32) with a direction of cosine c with the gradient[/]");
        table.AddColumn("Gradient, cosine");
        foreach (int mark in marks)
        {
            table.AddColumn(new TableColumn(string.Create(Invariant, $"step ≤ {mark}")).RightAligned());
        }

        foreach (IGrouping<(GradientMode, double), NoisyGradientPoint> run in points.GroupBy(p => (p.Gradient, p.Cosine)))
        {
            var cells = new List<string> { Label(run.Key.Item1, run.Key.Item2) };
            cells.AddRange(marks.Select(mark => run.LastOrDefault(p => p.Step <= mark) is { } p ? p.TestAccuracy.ToString("P2", Invariant) : "-"));
            table.AddRow([.. cells]);
        }

        return table;
    }
}
