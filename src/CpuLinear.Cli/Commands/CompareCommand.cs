using System.CommandLine;
using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear compare A B --from-seed S</c>: how far two runs from the same θ₀ moved, how far apart they ended
/// and how much of their displacement they share, per parameter block (docs/evolution.md: the noise in θ).
/// </summary>
internal static class CompareCommand
{
    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var first = new Argument<string>("a") { Description = "A checkpoint." };
        var second = new Argument<string>("b") { Description = "Another checkpoint of the same network." };
        Option<ulong?> fromSeed = new("--from-seed") { Description = "θ₀ is the initialisation of this seed (cpulinear train --seed)." };
        Option<string?> from = new("--from") { Description = "θ₀ is this checkpoint (e.g. the one both runs started from with --init)." };
        var command = new Command("compare", "Compare two runs' displacements from a common start θ₀: distances, cosine and the unshared (noise) fraction per block.");
        command.Arguments.Add(first);
        command.Arguments.Add(second);
        command.Options.Add(fromSeed);
        command.Options.Add(from);
        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            ulong? seed = parse.GetValue(fromSeed);
            string? start = parse.GetValue(from);
            if ((seed is null) == (start is null))
            {
                throw new ArgumentException("Give θ₀ once: --from-seed S or --from CHECKPOINT.");
            }

            NetworkParameters a = CheckpointFiles.Read(parse.GetValue(first)!, log).Parameters;
            NetworkParameters b = CheckpointFiles.Read(parse.GetValue(second)!, log).Parameters;
            NetworkParameters origin = start is not null
                ? CheckpointFiles.Read(start, log).Parameters
                : NetworkParameters.Initialize(a.Architecture, seed!.Value);
            Render(output ?? AnsiConsole.Console, DisplacementComparison.Compare(origin, a, b));
        }));
        return command;
    }

    private static void Render(IAnsiConsole console, IReadOnlyList<BlockDisplacement> blocks)
    {
        var table = new Table().Title("[bold]Displacement from θ₀[/]")
            .AddColumns("block", "parameters", "‖θ₀‖", "‖A − θ₀‖", "‖B − θ₀‖", "‖A − B‖", "‖A − B‖ / mean ‖d‖", "cos(dA, dB)", "unshared 1 − cos");
        foreach (BlockDisplacement d in blocks)
        {
            table.AddRow(d.Name, d.Length.ToString(CultureInfo.InvariantCulture), F(d.StartNorm), F(d.DisplacementA), F(d.DisplacementB), F(d.Distance),
                F(d.RelativeDistance), F(d.Cosine), F(d.NoiseFraction));
        }

        table.Caption("Unrelated equal moves: ‖A − B‖ / mean ‖d‖ = √2 ≈ 1.414, cos 0. Identical moves: 0 and 1.");
        console.Write(table);
    }

    private static string F(double value) => double.IsNaN(value) ? "—" : value.ToString("F4", CultureInfo.InvariantCulture);
}
