using System.CommandLine;
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
