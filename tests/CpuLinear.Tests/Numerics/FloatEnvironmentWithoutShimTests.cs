using System.Diagnostics;
using CpuLinear.Numerics;

namespace CpuLinear.Tests.Numerics;

/// <summary>Without the shim the engine still works: it says why, allows Ieee, and refuses flush modes clearly.</summary>
public sealed class FloatEnvironmentWithoutShimTests
{
    [Fact]
    public void DisabledControlReportsUnavailableAndThrowsTheReason()
    {
        FloatControl control = FloatControl.Load(disabled: true);

        Assert.False(control.IsAvailable);
        Assert.Contains("CPULINEAR_NO_NATIVE=1", control.Description, StringComparison.Ordinal);
        Assert.Equal(FloatMode.Ieee, control.CurrentMode);
        Assert.True(control.Supports(FloatMode.Ieee));
        using (control.Enter(FloatMode.Ieee))
        {
            // Ieee is a no-op scope: nothing to set, nothing to restore.
        }

        foreach (FloatMode mode in new[] { FloatMode.FlushToZero, FloatMode.DenormalsAreZero, FloatMode.FlushToZeroAndDenormalsAreZero })
        {
            Assert.False(control.Supports(mode));
            NotSupportedException e = Assert.Throws<NotSupportedException>(() => { using FloatEnvironmentScope s = control.Enter(mode); });
            Assert.Contains(mode.ToString(), e.Message, StringComparison.Ordinal);
            Assert.Contains("CPULINEAR_NO_NATIVE=1", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UndefinedModeIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FloatEnvironment.Supports((FloatMode)42));

    [Fact]
    public void ChildProcessWithNoNativeUsesTheSoftwareFlush()
    {
        string output = RunCli("demo");
        string compact = string.Concat(output.Where(c => !char.IsWhiteSpace(c)));
        Assert.Contains("Computedbythesoftwareflush", compact, StringComparison.Ordinal);
        Assert.Contains("nativeshimdisabledbyCPULINEAR_NO_NATIVE=1", compact, StringComparison.Ordinal);
        Assert.DoesNotContain("ComputedbytheCPU", compact, StringComparison.Ordinal);
        // The blog's headline row still comes out right: (a+b)·c is 0.9 in IEEE, 0 with flushing.
        Assert.Contains("0x3F666666", output, StringComparison.Ordinal);

        string info = string.Concat(RunCli("info").Where(c => !char.IsWhiteSpace(c) && c != '│'));
        Assert.Contains("nativeshimdisabledbyCPULINEAR_NO_NATIVE=1", info, StringComparison.Ordinal);
    }

    private static string RunCli(string command)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} should be copied next to the tests (project reference).");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cli);
        start.ArgumentList.Add(command);
        start.Environment["CPULINEAR_NO_NATIVE"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the CLI did not finish");
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {error.Result}\n{output}");
        return output;
    }
}
