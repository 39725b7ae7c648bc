using System.CommandLine;
using System.Globalization;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear experiment gradient-alignment</c>: how well ES estimates of several population sizes line up with the
/// literal program's gradients and with each other, at one θ and minibatch (<see cref="GradientAlignmentExperiment"/>);
/// writes gradient-alignment.csv into --out.
/// </summary>
internal static class GradientAlignmentCommand
{
    /// <summary>The CSV's header: one row per population size and block.</summary>
    public const string CsvHeader = "pairs,block,parameters,cos_ftz_aware,cos_straight_through,cos_between_seeds,cos_ftz_aware_vs_straight_through";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the subcommand.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var defaults = new GradientAlignmentSettings();
        EvolutionSettings m = defaults.Members;
        var init = new Option<string?>("--init") { Description = "Measure at this checkpoint's θ (default: the initialisation of --seed)." };
        var outDir = new Option<string>("--out") { Description = "Folder for gradient-alignment.csv.", DefaultValueFactory = _ => "experiments" };
        var pairs = new Option<string>("--pairs") { Description = "Population sizes (antithetic pairs), comma-separated; each is estimated twice from independent noise.", DefaultValueFactory = _ => string.Join(',', defaults.PairCounts) };
        var units = new Option<int>("--first-layer-units") { Description = "First-layer units each pair perturbs (0 = all).", DefaultValueFactory = _ => m.FirstLayerUnits };
        var laterPairs = new Option<int>("--later-layer-pairs") { Description = "Later-layer pairs added to every population.", DefaultValueFactory = _ => m.LaterLayerPairs };
        var rank = new Option<int>("--rank") { Description = "Perturbation rank (0 = full).", DefaultValueFactory = _ => m.Rank };
        var batch = new Option<int>("--es-batch") { Description = "Minibatch rows.", DefaultValueFactory = _ => m.BatchSize };
        var sigma = new Option<float>("--sigma") { Description = "σ at generation 0 of the schedule.", DefaultValueFactory = _ => m.SigmaInitial };
        var sigmaFinal = new Option<float>("--sigma-final") { Description = "σ at the schedule's last generation.", DefaultValueFactory = _ => m.SigmaFinal };
        var generations = new Option<int>("--generations") { Description = "Length of the σ schedule.", DefaultValueFactory = _ => m.Generations };
        var generation = new Option<long>("--generation") { Description = "The generation whose minibatch, σ and noise are measured.", DefaultValueFactory = _ => defaults.Generation };
        var activityUnits = new Option<string?>("--activity-units") { Description = "Measure activity members instead (all or live units; see train --activity-pairs): --pairs are then pairs per row and layer and σ is in the products' units." };
        activityUnits.AcceptOnlyFromAmong([.. EvolutionCheckpoint.ActivityUnitNames]);
        var sigmaLayers = new Option<string?>("--sigma-layers") { Description = "σ per layer, one factor per layer, comma-separated (default: 1 each)." };
        Option<ulong> seed = SharedOptions.Seed("Seed of θ₀ (without --init), of the minibatch order and of the first estimate's noise.");
        Option<int> threads = SharedOptions.Threads();
        Option<string?> dataDir = SharedOptions.DataDirectory();
        Option<string?> dataset = DatasetChoice.Option($"Default: the dataset --init records, else {DatasetChoice.Default}.");
        Option<bool> overwrite = OutputFiles.CreateOverwriteOption("gradient-alignment.csv");

        var command = new Command("gradient-alignment", "Measure how well ES estimates of several population sizes line up with the literal program's gradients and with each other, at one θ and minibatch.");
        foreach (Option option in new Option[] { init, outDir, pairs, units, laterPairs, rank, batch, sigma, sigmaFinal, generations, generation, activityUnits, sigmaLayers, seed, threads, dataDir, dataset, overwrite })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            ulong seedValue = parse.GetValue(seed);
            string? scales = parse.GetValue(sigmaLayers);
            var settings = new GradientAlignmentSettings
            {
                Members = m with
                {
                    Seed = seedValue,
                    FirstLayerUnits = parse.GetValue(units),
                    LaterLayerPairs = parse.GetValue(laterPairs),
                    Rank = parse.GetValue(rank),
                    BatchSize = parse.GetValue(batch),
                    SigmaInitial = parse.GetValue(sigma),
                    SigmaFinal = parse.GetValue(sigmaFinal),
                    Generations = parse.GetValue(generations),
                    SigmaLayerScales = scales is null ? LayerScales.None : LayerScales.Parse(scales),
                },
                PairCounts = ExperimentCommand.ParseList<int>(parse.GetValue(pairs)!, "--pairs", "positive whole numbers", s => int.TryParse(s, NumberStyles.None, Invariant, out int v) && v > 0 ? v : null),
                Generation = parse.GetValue(generation),
                Threads = SharedOptions.Engine(parse, threads).MaxThreads,
            };
            if (parse.GetValue(activityUnits) is { } unitChoice)
            {
                settings = settings with
                {
                    Members = settings.Members with
                    {
                        ActivityPairs = 1,
                        ActivityUnits = (ActivityUnits)EvolutionCheckpoint.IndexOfName(EvolutionCheckpoint.ActivityUnitNames, unitChoice),
                        FirstLayerUnits = 0,
                        LaterLayerPairs = 0,
                    },
                };
            }

            settings.Validate();
            _ = DatasetChoice.Name(parse, dataset);

            string folder = parse.GetValue(outDir)!;
            string csv = Path.Combine(folder, "gradient-alignment.csv");
            OutputFiles.Claim([csv], parse.GetValue(overwrite), "--out");

            string? path = parse.GetValue(init);
            Checkpoint? loaded = path is null ? null : CheckpointFiles.Read(path, log);
            string? recorded = loaded is null ? null : DatasetChoice.Recorded(loaded, path!);
            string datasetName = DatasetChoice.Name(parse, dataset, recorded);
            using DatasetSplits data = DatasetChoice.Load(datasetName, parse.GetValue(dataDir), log);
            NetworkParameters theta = loaded?.Parameters
                ?? NetworkParameters.Initialize(DatasetChoice.Network(data, DatasetDefaults.For(datasetName).Hidden, NetworkArchitecture.Default.ScaleExponent), seedValue);
            NetworkArchitecture net = theta.Architecture;
            if (net.Inputs != data.Train.Features || net.Outputs != data.Train.ClassCount)
            {
                throw new ArgumentException($"'{path}' holds a {net} network; {datasetName} has {data.Train.Features} features and {data.Train.ClassCount} classes.");
            }

            log.WriteLine(string.Create(Invariant, $"{net} at {(path is null ? $"θ₀ of seed {seedValue}" : $"'{path}'")}, generation {settings.Generation} of {settings.Members.Generations} (σ {settings.Members.SigmaAt(settings.Generation)}), batch {settings.Members.BatchSize}, pairs {string.Join(", ", settings.PairCounts)}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            IReadOnlyList<GradientAlignmentRow> rows = GradientAlignmentExperiment.Run(theta, data.Train, settings, step => log.WriteLine(string.Create(Invariant, $"  {step} done at {clock.Elapsed.TotalSeconds:F1} s")));
            ExperimentCommand.Finish(output, Table(rows), csv, Csv(rows));
        }));
        return command;
    }

    /// <summary>The rows as CSV (<see cref="CsvHeader"/>), numbers in invariant round-trip form.</summary>
    public static string Csv(IEnumerable<GradientAlignmentRow> rows) =>
        ExperimentCommand.Csv(CsvHeader, rows, r => string.Create(Invariant, $"{r.Pairs},{r.Block},{r.Parameters},{r.FtzAware:R},{r.StraightThrough:R},{r.BetweenSeeds:R},{r.GradientsAgree:R}"));

    private static Table Table(IReadOnlyList<GradientAlignmentRow> rows)
    {
        var table = new Table().Title("[bold]ES estimates against the gradients[/] (cos FTZ-aware | cos straight-through | cos between two noise seeds)");
        string[] blocks = [.. rows.Select(r => r.Block).Distinct()];
        table.AddColumn("Pairs");
        foreach (string block in blocks)
        {
            table.AddColumn(new TableColumn(block).RightAligned());
        }

        foreach (IGrouping<int, GradientAlignmentRow> size in rows.GroupBy(r => r.Pairs))
        {
            var cells = new List<string> { size.Key.ToString(Invariant) };
            cells.AddRange(blocks.Select(b => size.First(r => r.Block == b) is var r
                ? string.Create(Invariant, $"{r.FtzAware:F3} | {r.StraightThrough:F3} | {r.BetweenSeeds:F3}")
                : "-"));
            table.AddRow([.. cells]);
        }

        var agree = new List<string> { "FTZ-aware vs straight-through" };
        agree.AddRange(blocks.Select(b => rows.First(r => r.Block == b).GradientsAgree.ToString("F3", Invariant)));
        table.AddRow([.. agree]);
        return table;
    }
}
