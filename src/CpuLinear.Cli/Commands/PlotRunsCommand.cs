using System.CommandLine;
using System.Globalization;
using CpuLinear.Cli.Evolution;
using CpuLinear.Cli.Plots;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear plot-runs OUT.png RUN.csv… [--x sample-evaluations|generations|seconds] [--labels a,b,…]</c>: the test
/// accuracy of several ES runs' metrics logs on one figure, and a summary table on stdout.
/// </summary>
internal static class PlotRunsCommand
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var figure = new Argument<string>("out") { Description = "The PNG to write." };
        var runs = new Argument<string[]>("runs")
        {
            Description = "Metrics logs of ES runs (--metrics: .csv, else JSON Lines).",
            Arity = ArgumentArity.OneOrMore,
        };
        var x = new Option<string>("--x")
        {
            Description = "The x axis: sample-evaluations (cumulative member·row evaluations, log scale), generations or seconds.",
            DefaultValueFactory = _ => RunComparisonFigure.Name(RunAxis.SampleEvaluations),
        };
        var labels = new Option<string?>("--labels") { Description = "Comma-separated legend entries, one per run (default: the file names)." };
        var pairs = new Option<int?>("--pairs") { Description = "For logs written before sample_evaluations existed: the runs' antithetic pairs per generation (with --batch)." };
        var batch = new Option<int?>("--batch", "--es-batch") { Description = "For logs written before sample_evaluations existed: the runs' minibatch rows (with --pairs)." };
        Option<bool> overwrite = OutputFiles.CreateOverwriteOption("OUT");

        var command = new Command("plot-runs", "Plot the test accuracy of ES runs against sample evaluations, generations or seconds, all on one figure.");
        command.Arguments.Add(figure);
        command.Arguments.Add(runs);
        command.Options.Add(x);
        command.Options.Add(labels);
        command.Options.Add(pairs);
        command.Options.Add(batch);
        command.Options.Add(overwrite);
        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            string outPath = parse.GetValue(figure)!;
            string[] files = parse.GetValue(runs)!;
            RunAxis axis = ParseAxis(parse.GetValue(x)!);
            string[] names = Labels(parse.GetValue(labels), files);
            (int? pairCount, int? rows) = (parse.GetValue(pairs), parse.GetValue(batch));
            if ((pairCount is null) != (rows is null))
            {
                throw new ArgumentException("--pairs and --batch go together: both are needed to count a log's sample evaluations.");
            }

            if (pairCount < 1 || rows < 1)
            {
                throw new ArgumentException($"--pairs and --batch must be at least 1; got {pairCount} and {rows}.");
            }

            if (!outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"plot-runs writes a PNG: give OUT a name ending in .png; got '{outPath}'.");
            }

            OutputFiles.Claim([outPath], parse.GetValue(overwrite), "OUT");

            var plotted = new List<(string Label, IReadOnlyList<(double X, double Accuracy)> Points)>();
            var table = new Table()
                .Title($"[bold]{files.Length} run(s)[/], x = {RunComparisonFigure.Name(axis)}")
                .AddColumns("Run", "File", "Last test accuracy", "Generations", "Sample evaluations", "Seconds");
            for (int i = 0; i < files.Length; i++)
            {
                IReadOnlyList<RunPoint> logged = MetricsFile.Read(files[i]);
                bool counted = logged.Count > 0 && logged.All(r => r.SampleEvaluations is not null);
                IReadOnlyList<RunPoint> points = counted || pairCount is null
                    ? logged
                    : [.. logged.Select(r => r with { SampleEvaluations = (r.Generation + 1) * 2L * pairCount.Value * rows!.Value })];
                if (!counted && pairCount is not null)
                {
                    log.WriteLine($"note: '{files[i]}' has no sample_evaluations column; counted as (generation + 1) · 2 · {pairCount} pairs · {rows} rows from --pairs and --batch.");
                }

                RunPoint[] evaluated = [.. points.Where(p => p.TestAccuracy is not null)];
                RunPoint? last = evaluated.Length > 0 ? evaluated[^1] : null;
                table.AddRow(
                    Markup.Escape(names[i]), Markup.Escape(files[i]),
                    last is { } l ? l.TestAccuracy!.Value.ToString("P2", Invariant) : "-",
                    last is { } g ? (g.Generation + 1).ToString(Invariant) : "-",
                    last?.SampleEvaluations is { } s ? s.ToString("N0", Invariant) : "-",
                    last is { } t ? t.Seconds.ToString("F1", Invariant) : "-");

                if (evaluated.Length == 0)
                {
                    log.WriteLine($"warning: '{files[i]}' has no rows with a test accuracy; it is not plotted.");
                    continue;
                }

                if (axis == RunAxis.SampleEvaluations && evaluated.Any(p => p.SampleEvaluations is null))
                {
                    log.WriteLine(
                        $"warning: skipping '{files[i]}': it has no sample_evaluations column (written before it existed). " +
                        "Pass --pairs and --batch (the run's --pairs and --es-batch) to count them, or plot against --x generations or seconds.");
                    continue;
                }

                plotted.Add((names[i], [.. evaluated.Select(p => (X(p, axis), p.TestAccuracy!.Value))]));
            }

            if (plotted.Count == 0)
            {
                throw new IOException($"None of the {files.Length} run(s) has anything to plot against {RunComparisonFigure.Name(axis)} (see the warnings above); nothing written.");
            }

            OutputFiles.Write(outPath, RunComparisonFigure.Png(plotted, axis));
            IAnsiConsole console = output ?? AnsiConsole.Console;
            console.Write(table);
            console.MarkupLineInterpolated($"{plotted.Count} run(s) plotted: [blue]{outPath}[/]");
        }));
        return command;
    }

    private static double X(RunPoint point, RunAxis axis) => axis switch
    {
        RunAxis.SampleEvaluations => point.SampleEvaluations!.Value,
        RunAxis.Generations => point.Generation + 1,
        _ => point.Seconds,
    };

    private static RunAxis ParseAxis(string name) => name.Trim().ToLowerInvariant() switch
    {
        "sample-evaluations" => RunAxis.SampleEvaluations,
        "generations" => RunAxis.Generations,
        "seconds" => RunAxis.Seconds,
        _ => throw new ArgumentException($"--x must be sample-evaluations, generations or seconds; got '{name}'."),
    };

    // Legend entries: --labels as given, else each file's name without .csv/.jsonl and a trailing .metrics; where
    // two runs would share a name (es.metrics.jsonl in two folders), the path as given tells them apart.
    private static string[] Labels(string? given, string[] files)
    {
        if (given is not null)
        {
            string[] labels = [.. given.Split(',').Select(l => l.Trim())];
            return labels.Length == files.Length
                ? labels
                : throw new ArgumentException($"--labels names {labels.Length} run(s) for {files.Length} file(s); give one label per file.");
        }

        string[] names = [.. files.Select(f =>
        {
            string name = Path.GetFileNameWithoutExtension(f);
            return name.EndsWith(".metrics", StringComparison.OrdinalIgnoreCase) ? name[..^".metrics".Length] : name;
        })];
        return [.. names.Select((n, i) => names.Count(m => m == n) > 1 ? files[i] : n)];
    }
}
