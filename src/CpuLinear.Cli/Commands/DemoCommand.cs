using System.CommandLine;
using CpuLinear.Demos;
using CpuLinear.Numerics;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary><c>cpulinear demo</c>: the blog's float32 arithmetic near 2^-126, bit for bit, under every float mode.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Show exact float32 results near 2^-126 under Ieee, FTZ, DAZ and FTZ+DAZ");
        command.SetAction(_ =>
        {
            Render(FloatDemo.Run());
            return 0;
        });
        return command;
    }

    private static void Render(IReadOnlyList<FloatDemoResult> results)
    {
        AnsiConsole.MarkupLine(FloatEnvironment.IsHardwareControlAvailable
            ? $"Computed by the CPU, float mode set through the native shim: {Markup.Escape(FloatEnvironment.Description)}"
            : $"[yellow]Computed by the software flush[/] (no hardware float control: {Markup.Escape(FloatEnvironment.Description)})");
        AnsiConsole.MarkupLine("min = 2^-126 = 1.17549435E-38 (0x00800000), the smallest normal float32. Each cell: bits, then value.");

        var table = new Table().Border(TableBorder.Rounded).AddColumn("Expression").AddColumn("Inputs");
        foreach (FloatMode mode in FloatDemo.Modes)
        {
            table.AddColumn(new TableColumn(ModeHeader(mode)).RightAligned());
        }

        bool anySoftwareBesideHardware = false;
        foreach (IGrouping<(string Expression, string Inputs), FloatDemoResult> row in results.GroupBy(r => (r.Expression, r.Inputs)))
        {
            var cells = new List<Text> { new(row.Key.Expression), new(row.Key.Inputs) };
            foreach (FloatDemoResult result in row)
            {
                // A software cell among hardware ones (ARM64's single-bit modes) is marked, so nobody mistakes it
                // for what the CPU did.
                bool marked = FloatEnvironment.IsHardwareControlAvailable && result.Source == FloatDemoSource.Software;
                anySoftwareBesideHardware |= marked;
                cells.Add(new Text($"{result.Hex}{(marked ? " *" : "")}\n{result.Text}"));
            }

            table.AddRow(cells);
        }

        AnsiConsole.Write(table);
        if (anySoftwareBesideHardware)
        {
            AnsiConsole.MarkupLine("* this CPU cannot set the mode on its own (ARM64 FPCR.FZ flushes inputs and outputs together); computed by the software flush.");
        }
    }

    private static string ModeHeader(FloatMode mode) => mode switch
    {
        FloatMode.Ieee => "Ieee",
        FloatMode.FlushToZero => "FTZ only",
        FloatMode.DenormalsAreZero => "DAZ only",
        _ => "FTZ+DAZ",
    };
}
