using System.CommandLine;
using System.Text;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear experiment bottleneck|rnn-parity|gradient-alignment|noisy-gradient</c>: the experiments beyond the blog (docs/experiments.md). Each
/// prints a table and writes a CSV and a PNG into <c>--out</c>, refusing to replace them without <c>--overwrite</c>.
/// </summary>
internal static class ExperimentCommand
{
    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var command = new Command("experiment", "Experiments beyond the blog: how multilinear deep linear networks are (bottleneck), parity in a linear RNN (rnn-parity) how good one ES estimate is (gradient-alignment) and what an estimate of that quality could buy (noisy-gradient).");
        command.Subcommands.Add(BottleneckCommand.Create(output, errors));
        command.Subcommands.Add(RnnParityCommand.Create(output, errors));
        command.Subcommands.Add(GradientAlignmentCommand.Create(output, errors));
        command.Subcommands.Add(NoisyGradientCommand.Create(output, errors));
        return command;
    }

    /// <summary>
    /// The end every experiment shares: its CSV (and figure, if any) written whole or not at all, then its table and
    /// the files' names on the console.
    /// </summary>
    public static void Finish(IAnsiConsole? output, Table table, string csv, string csvText, string? png = null, byte[]? pngBytes = null)
    {
        OutputFiles.Write(csv, csvText);
        if (png is not null)
        {
            OutputFiles.Write(png, pngBytes ?? throw new ArgumentNullException(nameof(pngBytes)));
        }

        IAnsiConsole console = output ?? AnsiConsole.Console;
        console.Write(table);
        if (png is null)
        {
            console.MarkupLineInterpolated($"Wrote [blue]{csv}[/]");
        }
        else
        {
            console.MarkupLineInterpolated($"Wrote [blue]{csv}[/] and [blue]{png}[/]");
        }
    }

    /// <summary>A CSV: <paramref name="header"/>, then one line per row as <paramref name="line"/> writes it (without its newline).</summary>
    public static string Csv<T>(string header, IEnumerable<T> rows, Func<T, string> line)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (T row in rows)
        {
            text.Append(line(row)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Parses a comma-separated list with <paramref name="parse"/>, naming <paramref name="option"/> in errors.</summary>
    /// <exception cref="ArgumentException">The list is empty or an item does not parse.</exception>
    public static T[] ParseList<T>(string text, string option, string expected, Func<string, T?> parse)
        where T : struct
    {
        string[] items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            throw new ArgumentException($"{option} needs at least one value ({expected}); got '{text}'.");
        }

        return [.. items.Select(item => parse(item) ?? throw new ArgumentException($"{option} takes {expected}; '{item}' in '{text}' is not one."))];
    }
}
