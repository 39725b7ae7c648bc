using System.CommandLine;
using CpuLinear.Cli.Options;
using CpuLinear.Data;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>`cpulinear data fetch NAME` and `cpulinear data info NAME`.</summary>
internal static class DataCommand
{
    /// <summary>
    /// Builds the command. Tables go to <paramref name="output"/>, status and errors to
    /// <paramref name="errors"/>; tests pass their own writers instead of touching the process-wide console.
    /// </summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        Option<string?> dataDir = SharedOptions.DataDirectory();
        var sourceDir = new Option<string?>("--data")
        {
            Description = "Folder holding your own four IDX files (raw or .gz); used instead of the cache.",
        };
        Option<ulong> seed = SharedOptions.Seed("Seed of synthetic datasets.");

        var fetchName = new Argument<string>("name") { Description = "mnist or fashion-mnist." };
        var fetch = new Command("fetch", "Download or import a dataset into the cache and verify its checksums.");
        fetch.Arguments.Add(fetchName);
        fetch.Options.Add(dataDir);
        fetch.Options.Add(sourceDir);
        fetch.SetAction(parse => Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            var options = new DatasetLoadOptions
            {
                DataDirectory = parse.GetValue(dataDir),
                SourceDirectory = parse.GetValue(sourceDir),
                Log = log,
            };
            string folder = Datasets.Fetch(parse.GetValue(fetchName)!, options);
            (output ?? AnsiConsole.Console).MarkupLineInterpolated($"[green]{parse.GetValue(fetchName)}[/] ready in [blue]{folder}[/]");
        }));

        var infoName = new Argument<string>("name") { Description = $"One of {string.Join(", ", Datasets.Names)} (parityN: N = 2..20)." };
        var info = new Command("info", "Show counts, class balance, checksum status and origin of a dataset (fetching it if needed).");
        info.Arguments.Add(infoName);
        info.Options.Add(dataDir);
        info.Options.Add(sourceDir);
        info.Options.Add(seed);
        info.SetAction(parse => Run(errors, () =>
        {
            var options = new DatasetLoadOptions
            {
                DataDirectory = parse.GetValue(dataDir),
                SourceDirectory = parse.GetValue(sourceDir),
                Seed = parse.GetValue(seed),
                Log = errors ?? Console.Error,
            };
            using DatasetSplits splits = Datasets.Load(parse.GetValue(infoName)!, options);
            Render(output ?? AnsiConsole.Console, splits);
        }));

        var data = new Command("data", "Fetch and inspect datasets (MNIST, Fashion-MNIST, synthetic tasks).");
        data.Subcommands.Add(fetch);
        data.Subcommands.Add(info);
        return data;
    }

    private static void Render(IAnsiConsole console, DatasetSplits splits)
    {
        var summary = new Table().Title($"[bold]{Markup.Escape(splits.Name)}[/]");
        summary.AddColumn("Split");
        summary.AddColumn(new TableColumn("Examples").RightAligned());
        summary.AddColumn("Shape");
        summary.AddColumn("Checksum");
        summary.AddColumn("Loaded from");
        foreach ((string label, LabeledImages split) in new[] { ("train", splits.Train), ("test", splits.Test) })
        {
            DataProvenance p = split.Provenance;
            // The description names the folder and the route (cache, --data, system package); file names are standard.
            string from = p.Description;
            summary.AddRow(
                label,
                split.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                $"{split.Rows}x{split.Columns} ({split.Features} features)",
                p.Checksum.ToString(),
                Markup.Escape(from));
        }

        console.Write(summary);

        var balance = new Table().Title("[bold]Examples per class[/]");
        balance.AddColumn("Class");
        balance.AddColumn(new TableColumn("Train").RightAligned());
        balance.AddColumn(new TableColumn("Test").RightAligned());
        int[] train = splits.Train.CountPerClass();
        int[] test = splits.Test.CountPerClass();
        for (int c = 0; c < train.Length; c++)
        {
            balance.AddRow(c.ToString(System.Globalization.CultureInfo.InvariantCulture), train[c].ToString(System.Globalization.CultureInfo.InvariantCulture), test[c].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(balance);
    }

    /// <summary>Expected failures become one clear line on stderr; usage errors exit 2, others 1 (<see cref="CommandErrors"/>).</summary>
    private static int Run(TextWriter? errors, Action action) => CommandErrors.Run(errors, action);
}
