using System.CommandLine;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using CpuLinear.Gpu;
using CpuLinear.Kernels;
using CpuLinear.Numerics;
using CpuLinear.Simd;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary><c>cpulinear info</c>: what this machine and build give the engine.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show CPU features, the float-control shim, thread count and runtime");
        command.SetAction(_ =>
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Item").AddColumn("Value");
            foreach ((string name, string value) in BuildRows())
            {
                table.AddRow(new Text(name), new Text(value));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The rows of the table, in display order. Engine components report here: a new line is one more
    /// <c>rows.Add</c> (the GEMM kernel registry adds its "Kernel chosen" row after the software flush path).
    /// </summary>
    internal static List<(string Name, string Value)> BuildRows()
    {
        var rows = new List<(string Name, string Value)>
        {
            ("OS", $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})"),
            ("Process architecture", RuntimeInformation.ProcessArchitecture.ToString()),
            (".NET", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})"),
            ("Threads (Environment.ProcessorCount)", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Vector512 accelerated", YesNo(Vector512.IsHardwareAccelerated)),
            ("Vector256 accelerated", YesNo(Vector256.IsHardwareAccelerated)),
            ("Vector128 accelerated", YesNo(Vector128.IsHardwareAccelerated)),
            ("Vector<float>.Count", Vector<float>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Avx512F", YesNo(Avx512F.IsSupported)),
            ("Avx2", YesNo(Avx2.IsSupported)),
            ("Fma", YesNo(Fma.IsSupported)),
            ("AdvSimd", YesNo(AdvSimd.IsSupported)),
            ("Float control", FloatEnvironment.Description),
            ("Float mode of this thread", FloatEnvironment.CurrentMode.ToString()),
            ("Software flush path", SoftwareFlush.PathName),
            ("Kernel chosen", $"{CpuLinear.Simd.KernelRegistry.Selected} ({CpuLinear.Simd.KernelRegistry.SelectionReason})"),
            ("Kernel paths accelerated", string.Join(", ", CpuLinear.Simd.KernelRegistry.Accelerated)),
        };
        foreach (string device in ComputeBackends.DescribeDevices())
        {
            rows.Add(("ILGPU device", device));
        }

        return rows;
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
