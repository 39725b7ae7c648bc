using System.CommandLine;
using System.Globalization;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Cli.Plots;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear experiment bottleneck</c>: the second- and third-order terms of deep linear networks' outputs along
/// random weight directions against the radius, wide and with bottlenecks, under each semantics
/// (<see cref="BottleneckExperiment"/>); writes bottleneck-KIND.csv and bottleneck-KIND.png into --out.
/// </summary>
internal static class BottleneckCommand
{
    /// <summary>The CSV's header: one row per network, semantics and radius.</summary>
    public const string CsvHeader = "network,widths,semantics,directions,radius,relative_radius,output_norm,first_order,second_order,third_order,second_order_ratio,third_order_ratio";

    /// <summary>The default radii of isotropic directions: 4 to 1024, which for the 512-wide networks is about 0.4% to 100% of ‖θ₀‖.</summary>
    public static readonly double[] IsotropicRadii = [4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the subcommand.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var defaults = new BottleneckSettings();
        var outDir = new Option<string>("--out") { Description = "Folder for bottleneck-KIND.csv and bottleneck-KIND.png.", DefaultValueFactory = _ => "experiments" };
        var along = new Option<string>("--along")
        {
            Description = "tangent: random directions in the tangent space (gradients of random combinations of the outputs); isotropic: every weight independent, scaled like its initialisation.",
            DefaultValueFactory = _ => "tangent",
        };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths m, comma-separated: each gives a wide network and two bottleneck networks.", DefaultValueFactory = _ => string.Join(',', defaults.HiddenWidths) };
        var bottleneck = new Option<int>("--bottleneck") { Description = "Width k of a bottleneck layer.", DefaultValueFactory = _ => defaults.BottleneckWidth };
        var inputs = new Option<int>("--inputs") { Description = "Input features (uniform in [0, 1]).", DefaultValueFactory = _ => defaults.InputWidth };
        var outputs = new Option<int>("--outputs") { Description = "Outputs of every network.", DefaultValueFactory = _ => defaults.Outputs };
        var samples = new Option<int>("--samples") { Description = "Input rows the outputs are measured on.", DefaultValueFactory = _ => defaults.Samples };
        var directions = new Option<int>("--directions") { Description = "Random directions per network.", DefaultValueFactory = _ => defaults.Directions };
        var radii = new Option<string?>("--radii")
        {
            Description = "Radii in NTK norm, comma-separated (default: 1/64 to 4 for tangent directions, 4 to 1024 for isotropic ones, doubling).",
        };
        var semantics = new Option<string>("--semantics")
        {
            Description = "Semantics the outputs are computed under, comma-separated (ieee, ftz-elementwise, ftz-everywhere).",
            DefaultValueFactory = _ => string.Join(',', defaults.Semantics.Select(CheckpointNames.Of)),
        };
        Option<ulong> seed = SharedOptions.Seed("Seed of the networks' θ₀, the inputs and the directions.");
        Option<int> threads = SharedOptions.Threads();
        Option<bool> overwrite = OutputFiles.CreateOverwriteOption("bottleneck-KIND.csv and bottleneck-KIND.png");

        var command = new Command("bottleneck", "Measure how multilinear wide and bottlenecked deep linear networks are in their weights near initialisation, under each semantics.");
        foreach (Option option in new Option[] { outDir, along, hidden, bottleneck, inputs, outputs, samples, directions, radii, semantics, seed, threads, overwrite })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            string kindName = parse.GetValue(along)!.Trim().ToLowerInvariant();
            WeightDirectionKind kind = kindName switch
            {
                "tangent" => WeightDirectionKind.Tangent,
                "isotropic" => WeightDirectionKind.Isotropic,
                _ => throw new ArgumentException($"--along must be tangent or isotropic; got '{parse.GetValue(along)}'."),
            };
            string? radiiText = parse.GetValue(radii);
            var settings = new BottleneckSettings
            {
                DirectionKind = kind,
                HiddenWidths = ExperimentCommand.ParseList<int>(parse.GetValue(hidden)!, "--hidden", "whole numbers", s => int.TryParse(s, NumberStyles.None, Invariant, out int v) ? v : null),
                BottleneckWidth = parse.GetValue(bottleneck),
                InputWidth = parse.GetValue(inputs),
                Outputs = parse.GetValue(outputs),
                Samples = parse.GetValue(samples),
                Directions = parse.GetValue(directions),
                Radii = radiiText is null
                    ? (kind == WeightDirectionKind.Tangent ? defaults.Radii : IsotropicRadii)
                    : ExperimentCommand.ParseList<double>(radiiText, "--radii", "positive numbers", s => double.TryParse(s, NumberStyles.Float, Invariant, out double v) ? v : null),
                Semantics = ExperimentCommand.ParseList(parse.GetValue(semantics)!, "--semantics", "ieee, ftz-elementwise or ftz-everywhere", CheckpointNames.ParseSemantics),
                Seed = parse.GetValue(seed),
                Threads = SharedOptions.Engine(parse, threads).MaxThreads,
            };
            settings.Validate();
            if (settings.Semantics.Contains(FloatSemantics.FtzEverywhere))
            {
                _ = new LiteralExecutor(FloatSemantics.FtzEverywhere);
            }

            string folder = parse.GetValue(outDir)!;
            string csv = Path.Combine(folder, $"bottleneck-{kindName}.csv"), png = Path.Combine(folder, $"bottleneck-{kindName}.png");
            OutputFiles.Claim([csv, png], parse.GetValue(overwrite), "--out");

            log.WriteLine(string.Create(Invariant, $"{settings.Networks().Count} networks, {settings.Directions} {kindName} directions, {settings.Radii.Count} radii, {settings.Samples} samples, seed {settings.Seed}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            IReadOnlyList<BottleneckRow> rows = BottleneckExperiment.Run(settings, name => log.WriteLine(string.Create(Invariant, $"  {name} done at {clock.Elapsed.TotalSeconds:F1} s")));

            ExperimentCommand.Finish(output, Table(rows, kindName), csv, Csv(rows), png, MultilinearityFigure.Png(rows, kindName));
        }));
        return command;
    }

    /// <summary>The rows as CSV (<see cref="CsvHeader"/>), numbers in invariant round-trip form.</summary>
    public static string Csv(IEnumerable<BottleneckRow> rows) =>
        ExperimentCommand.Csv(CsvHeader, rows, r => string.Create(
            Invariant,
            $"{r.Network},{string.Join('-', r.Architecture.Widths)},{CheckpointNames.Of(r.Semantics)},{Kind(r.Directions)},{r.Radius:R},{r.RelativeRadius:R},{r.OutputNorm:R},{r.FirstOrder:R},{r.SecondOrder:R},{r.ThirdOrder:R},{r.SecondOrderRatio:R},{r.ThirdOrderRatio:R}"));

    /// <summary>tangent or isotropic.</summary>
    public static string Kind(WeightDirectionKind kind) => kind == WeightDirectionKind.Tangent ? "tangent" : "isotropic";

    private static Table Table(IReadOnlyList<BottleneckRow> rows, string kind)
    {
        var table = new Table().Title($"[bold]Second- and third-order terms along {kind} directions[/] (‖s₂‖/‖s₁‖ | ‖s₃‖/‖s₁‖)");
        double[] radii = [.. rows.Select(r => r.Radius).Distinct().Order()];
        table.AddColumn("Network");
        table.AddColumn("Semantics");
        foreach (double radius in radii)
        {
            table.AddColumn(new TableColumn(string.Create(Invariant, $"R = {radius:G4}")).RightAligned());
        }

        foreach (IGrouping<(string, FloatSemantics), BottleneckRow> series in rows.GroupBy(r => (r.Network, r.Semantics)))
        {
            var cells = new List<string> { Markup.Escape(series.Key.Item1), CheckpointNames.Of(series.Key.Item2) };
            cells.AddRange(radii.Select(radius => series.FirstOrDefault(r => r.Radius == radius) is { } row
                ? string.Create(Invariant, $"{row.SecondOrderRatio:G2} | {row.ThirdOrderRatio:G2}")
                : "-"));
            table.AddRow([.. cells]);
        }

        return table;
    }
}
