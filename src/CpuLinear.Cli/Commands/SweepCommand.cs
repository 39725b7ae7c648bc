using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Cli.Plots;
using CpuLinear.Data;
using CpuLinear.Experiments;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear sweep</c>: depth, width, scale exponent and trainer over a grid, each trained network measured under
/// each float semantics, the dataset's linear ceiling beside every row; resumable (every finished cell is kept in
/// <c>--out</c>, and a rerun of the same command runs only the rest); one table (CSV and Markdown) and the figures
/// against depth and against S.
/// </summary>
internal static class SweepCommand
{
    /// <summary>The table's files in <c>--out</c>.</summary>
    public const string CsvFile = "results.csv", MarkdownFile = "results.md";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var options = new SweepOptions();
        Option<int> threads = SharedOptions.Threads();
        Option<string?> dataDir = SharedOptions.DataDirectory();
        var outDir = new Option<string>("--out") { Description = "Folder of the sweep: its plan, one file per finished cell, the table and the figures. Rerunning the same command there continues it.", DefaultValueFactory = _ => "sweep" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace another sweep (a different grid or settings) found in --out. Without it, that is refused: two grids never mix in one table." };
        var command = new Command("sweep", "Train and measure a grid of depth, width, scale exponent and trainer (bp gradients, ES); resumable; one table and figures.");
        foreach (Option option in options.All.Concat([threads, dataDir, outDir, overwrite]))
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            SweepPlan plan = options.Read(parse);
            EngineSettings engine = SharedOptions.Engine(parse, threads);
            Run(output ?? AnsiConsole.Console, errors ?? Console.Error, plan, engine, parse.GetValue(outDir)!, parse.GetValue(dataDir), parse.GetValue(overwrite));
        }));
        return command;
    }

    /// <summary>The files a sweep writes from its results, as names and patterns in its folder: the table and every figure of any grid.</summary>
    public static IReadOnlyList<string> Outputs { get; } = [CsvFile, MarkdownFile, SweepFigure.Pattern];

    private static void Run(IAnsiConsole console, TextWriter log, SweepPlan plan, EngineSettings engine, string outDir, string? dataDir, bool overwrite)
    {
        RunOutputs.CreateFolder(outDir, "--out");
        SweepFolder folder = SweepFolder.Open(outDir, plan, overwrite, Outputs, log);
        using DatasetSplits full = DatasetChoice.Load(plan.Settings.Dataset, dataDir, log);
        // --limit: every cell and the ceiling train and measure on the same prefix of each split.
        using DatasetSplits? prefix = plan.Settings.Limit is { } n ? new DatasetSplits(full.Name, full.Train.First(n), full.Test.First(n)) : null;
        DatasetSplits data = prefix ?? full;
        string command = SweepOptions.Command(plan);
        console.WriteLine($"sweep of {plan.Grid.Count} cells on {data.Name} ({data.Train.Count} training and {data.Test.Count} test examples) in {folder.Path}");
        console.WriteLine($"  {command}");

        using var interruption = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The cell in flight is abandoned (it leaves no file); the finished ones stay for the next run.
            e.Cancel = true;
            interruption.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        var results = new List<SweepCellResult>();
        SweepCeiling? ceiling = null;
        var clock = Stopwatch.StartNew();
        try
        {
            ceiling = folder.FinishedCeiling();
            if (ceiling is null)
            {
                ceiling = SweepRunner.Ceiling(plan, data, engine);
                folder.Save(ceiling);
            }

            console.WriteLine(string.Create(Invariant,
                $"linear ceiling of {data.Name} (softmax regression trained to convergence, {ceiling.Epochs} epochs): train {ceiling.Train * 100:F2}% test {ceiling.Test * 100:F2}%"));

            SweepCell[] cells = [.. plan.Grid.Cells];
            int done = 0, ran = 0;
            double runSeconds = 0;
            var remaining = new List<SweepCell>();
            foreach (SweepCell cell in cells)
            {
                if (folder.Finished(cell) is { } earlier)
                {
                    results.Add(earlier);
                    done++;
                }
                else
                {
                    remaining.Add(cell);
                }
            }

            if (done > 0)
            {
                console.WriteLine($"{done} of {cells.Length} cells finished earlier (kept); {remaining.Count} to run.");
            }

            for (int i = 0; i < cells.Length; i++)
            {
                SweepCell cell = cells[i];
                if (!remaining.Contains(cell))
                {
                    continue;
                }

                interruption.Token.ThrowIfCancellationRequested();
                SweepCellResult result = SweepRunner.Run(cell, plan, data, engine, cancel: interruption.Token);
                folder.Save(result);
                results.Add(result);
                ran++;
                runSeconds += result.Seconds;
                int left = remaining.Count - ran;
                console.WriteLine(string.Create(Invariant,
                    $"[{i + 1}/{cells.Length}] {cell.Id}: {Accuracies(plan, result)}, {result.Seconds:F1} s{(left > 0 ? $"; {left} {(left == 1 ? "cell" : "cells")} left, about {Duration(runSeconds / ran * left)}" : "")}"));
            }
        }
        catch (OperationCanceledException) when (interruption.IsCancellationRequested)
        {
            // Fall through: the finished cells still make a (partial) table below.
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        if (ceiling is not null && results.Count > 0)
        {
            // The grid's order, whichever run finished each cell, so a resumed sweep writes the same table.
            var order = plan.Grid.Cells.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
            SweepCellResult[] ordered = [.. results.OrderBy(r => order[r.Cell])];
            folder.Write(CsvFile, Encoding.UTF8.GetBytes(SweepTable.Csv(plan, ordered, ceiling)));
            folder.Write(MarkdownFile, Encoding.UTF8.GetBytes(SweepTable.Markdown(plan, ordered, ceiling, command, data.Test.Count)));
            foreach ((string file, bool againstDepth, int width) in SweepFigure.Files(plan.Grid))
            {
                folder.Write(file, SweepFigure.Png(plan, ordered, ceiling, againstDepth, width));
            }

            console.MarkupLineInterpolated($"table: [blue]{Path.Combine(folder.Path, MarkdownFile)}[/] and [blue]{CsvFile}[/]; figures: {string.Join(", ", SweepFigure.Files(plan.Grid).Select(f => f.File))}");
        }

        if (interruption.IsCancellationRequested)
        {
            throw new OperationCanceledException(
                $"interrupted: {results.Count} of {plan.Grid.Count} cells finished and kept in '{folder.Path}'; run the same command again to continue.");
        }

        console.WriteLine(string.Create(Invariant, $"sweep finished: {plan.Grid.Count} cells, {clock.Elapsed.TotalMinutes:F1} min in this run."));
    }

    private static string Accuracies(SweepPlan plan, SweepCellResult result) =>
        string.Join(", ", result.Accuracies.Select(a => string.Create(Invariant, $"test {a.Test * 100:F2}% {CheckpointNames.Of(a.Semantics)}")))
        + string.Create(Invariant, $" (train {result.Accuracies[0].Train * 100:F2}%)");

    private static string Duration(double seconds) =>
        seconds < 90 ? string.Create(Invariant, $"{seconds:F0} s") : string.Create(Invariant, $"{seconds / 60:F0} min");
}
