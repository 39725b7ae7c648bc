using System.CommandLine;
using System.Globalization;
using CpuLinear.Backends;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Cli.Plots;
using CpuLinear.Data;
using CpuLinear.Gpu;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// `cpulinear evaluate CHECKPOINT [--semantics ...] [--dataset ...]`: accuracy and loss of a checkpoint on its dataset
/// (the one it records, else MNIST), with that dataset's converged linear ceiling beside them.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A .safetensors checkpoint written by cpulinear train." };
        var semantics = new Option<string>("--semantics")
        {
            Description = "Float rules to run the network under: ieee, ftz-elementwise or ftz-everywhere.",
            DefaultValueFactory = _ => "ftz-elementwise",
        };
        Option<int> threads = SharedOptions.Threads();
        Option<string?> dataDir = SharedOptions.DataDirectory();
        var limit = new Option<int?>("--limit") { Description = "Measure on the first N examples of each split only (quick checks)." };
        var fused = new Option<bool>("--fused")
        {
            Description = "Use the fused dead-zone executor (ftz-elementwise only): full speed, equal to the literal program up to subnormal rounding.",
        };

        Option<string> backend = SharedOptions.Backend("the fused executor (with --fused)");

        var deadZones = new Option<bool>("--dead-zones")
        {
            Description = "Also print, per layer, how often the ftz-elementwise network's dead zones silence a unit on the test split (fused executor).",
        };

        var histogram = new Option<string?>("--histogram")
        {
            Description = "Also write FILE.png (and FILE.csv beside it): per layer, the histogram of |v| entering the ftz-elementwise network's dead zone on the test split (log axis, the zone's edge drawn in).",
            HelpName = "FILE.png",
        };
        Option<bool> overwrite = OutputFiles.CreateOverwriteOption("the --histogram files");
        Option<string?> dataset = DatasetChoice.Option(
            $"Default: the dataset the checkpoint records (checkpoints written before they recorded one: {DatasetChoice.Default}). A dataset whose features or classes do not fit the network is refused.");
        Option<bool> noCeiling = TrainCommand.NoCeilingOption();

        var command = new Command("evaluate", "Print train and test accuracy and loss of a checkpoint under a float semantics.");
        command.Arguments.Add(checkpoint);
        command.Options.Add(semantics);
        command.Options.Add(threads);
        command.Options.Add(dataDir);
        command.Options.Add(limit);
        command.Options.Add(fused);
        command.Options.Add(backend);
        command.Options.Add(deadZones);
        command.Options.Add(histogram);
        command.Options.Add(overwrite);
        command.Options.Add(dataset);
        command.Options.Add(noCeiling);
        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            string semanticsName = parse.GetValue(semantics)!;
            FloatSemantics chosen = CheckpointNames.ParseSemantics(semanticsName)
                ?? throw new ArgumentException($"--semantics must be ieee, ftz-elementwise or ftz-everywhere; got '{semanticsName}'.");
            EngineSettings engine = SharedOptions.Engine(parse, threads);
            bool fast = parse.GetValue(fused);
            if (fast && chosen != FloatSemantics.FtzElementwise)
            {
                throw new ArgumentException($"--fused computes ftz-elementwise only; drop it to run {semanticsName} literally.");
            }

            // Checked before the checkpoint is read, so a missing GPU is reported first and alone.
            BackendKind backendKind = BackendKinds.Parse(parse.GetValue(backend)!);
            if (backendKind != BackendKind.Cpu && !fast)
            {
                throw new ArgumentException($"--backend {backendKind.Name()} runs the fused executor only; add --fused (the literal float32 program runs on the CPU engine).");
            }

            // Checked before any work, so a run is not wasted on a figure that would be refused.
            string? figure = parse.GetValue(histogram);
            if (figure is not null)
            {
                if (!figure.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"--histogram writes a PNG (and a CSV beside it): give a file name ending in .png; got '{figure}'.");
                }

                OutputFiles.Claim([figure, PreActivationFigure.CsvPath(figure)], parse.GetValue(overwrite), "--histogram");
            }

            using IComputeBackend? compute = fast ? ComputeBackends.Create(backendKind, engine) : null;
            IForwardExecutor executor = compute ?? EvaluationExecutors.Reference(chosen, engine);
            // Checked before the data is read: a typo in --dataset is a usage error whatever the checkpoint.
            _ = DatasetChoice.Name(parse, dataset);
            int? first = parse.GetValue(limit);
            if (first < 1)
            {
                throw new ArgumentException($"--limit must be at least 1; got {first}.");
            }

            string path = parse.GetValue(checkpoint)!;
            Checkpoint loaded = CheckpointFiles.Read(path, errors ?? Console.Error);
            string? recorded = DatasetChoice.Recorded(loaded, path);
            string datasetName = DatasetChoice.Name(parse, dataset, recorded);
            using DatasetSplits data = DatasetChoice.Load(datasetName, parse.GetValue(dataDir), errors ?? Console.Error);
            NetworkArchitecture net = loaded.Parameters.Architecture;
            if (net.Inputs != data.Train.Features || net.Outputs != data.Train.ClassCount)
            {
                throw new ArgumentException(Mismatch(path, net, data, recorded));
            }

            if (recorded is not null && recorded != datasetName)
            {
                (errors ?? Console.Error).WriteLine($"note: '{path}' was trained on {recorded}; measuring it on {datasetName} as --dataset asks.");
            }

            EvaluationResult train = Evaluation.Run(executor, loaded.Parameters, data.Train, first);
            EvaluationResult test = Evaluation.Run(executor, loaded.Parameters, data.Test, first);

            IAnsiConsole console = output ?? AnsiConsole.Console;
            var table = new Table()
                .Title($"[bold]{Markup.Escape(Path.GetFileName(parse.GetValue(checkpoint)!))}[/]: {Markup.Escape(loaded.Parameters.Architecture.ToString())}, trained {Markup.Escape(loaded.Trainer)}/{Markup.Escape(loaded.Gradient ?? "-")}, step {loaded.Step}, run under {semanticsName} ({(fast ? $"fused executor on {Markup.Escape(compute!.DeviceDescription)}" : "literal float32 program")})")
                .AddColumns("Split", "Examples", "Accuracy", "Loss");
            foreach ((string split, EvaluationResult r) in new[] { ("train", train), ("test", test) })
            {
                table.AddRow(split, r.Count.ToString(CultureInfo.InvariantCulture), r.Accuracy.ToString("P2", CultureInfo.InvariantCulture), r.Loss.ToString("F4", CultureInfo.InvariantCulture));
            }

            // A line of its own rather than in the title, which wraps to the table's width.
            console.WriteLine($"{Path.GetFileName(path)}: {net} measured on {datasetName} ({data.Train.Features} features, {data.Train.ClassCount} classes)");
            console.Write(table);
            if (!parse.GetValue(noCeiling))
            {
                // Seeded as the run that wrote the checkpoint, so train and evaluate report the same ceiling.
                console.WriteLine(LinearCeilingReport.Measure(data, loaded.Seed, engine, first).Line());
            }

            if (parse.GetValue(deadZones))
            {
                console.Write(DeadZoneTable(FlushStatistics.Measure(loaded.Parameters, data.Test, first, engine)));
            }

            if (figure is not null)
            {
                IReadOnlyList<LayerPreActivationHistogram> layers = PreActivationHistogram.Measure(loaded.Parameters, data.Test, first, engine);
                string title = $"{Path.GetFileName(parse.GetValue(checkpoint)!)}: |v| entering the dead zone, {layers[0].Examples} test examples";
                OutputFiles.Write(PreActivationFigure.CsvPath(figure), PreActivationFigure.Csv(layers));
                OutputFiles.Write(figure, PreActivationFigure.Png(layers, title));
                console.MarkupLineInterpolated($"histogram of |v| at the dead zones: [blue]{figure}[/] and [blue]{PreActivationFigure.CsvPath(figure)}[/]");
                foreach (LayerPreActivationHistogram layer in layers)
                {
                    console.MarkupLineInterpolated($"  {PreActivationFigure.Legend(layer)}");
                }
            }
        }));
        return command;
    }

    /// <summary>
    /// Why <paramref name="path"/>'s network cannot run on <paramref name="data"/>: its input and class widths against
    /// the data's, and which dataset the checkpoint names (or that it names none).
    /// </summary>
    internal static string Mismatch(string path, NetworkArchitecture net, DatasetSplits data, string? recorded = null) =>
        $"'{path}' holds a {net} network: {net.Inputs} inputs and {net.Outputs} classes, but {data.Name} has {data.Train.Features} features and {data.Train.ClassCount} classes; " +
        (recorded is null
            ? $"the checkpoint names no dataset, so pass the one it was trained on with --dataset ({DatasetChoice.Names})."
            : $"it was trained on {recorded}: pass --dataset {recorded}, or drop --dataset.");

    private static Table DeadZoneTable(IReadOnlyList<LayerFlushStatistics> layers)
    {
        var table = new Table()
            .Title($"[bold]dead zones on {layers[0].Examples} test examples[/] (ftz-elementwise)")
            .AddColumns("Layer", "Units", "Weight RMS", "Outputs flushed", "Units flushed ≥ 99%", "Units flushed ≤ 1%")
            .Caption("flushed: the output is 0 though the product h·W was not; a unit's share is over the examples");
        foreach (LayerFlushStatistics layer in layers)
        {
            table.AddRow(
                layer.Layer.ToString(CultureInfo.InvariantCulture), layer.Units.ToString(CultureInfo.InvariantCulture),
                layer.WeightRms.ToString("F4", CultureInfo.InvariantCulture), layer.FlushedFraction.ToString("P1", CultureInfo.InvariantCulture),
                layer.UnitsMostlyFlushed.ToString(CultureInfo.InvariantCulture), layer.UnitsRarelyFlushed.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }
}
