using System.Diagnostics;
using CpuLinear.Checkpoints;
using CpuLinear.Tests.Data;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// Ctrl-C during <c>train --method es</c>, end to end: a real <c>cpulinear</c> process gets SIGINT (what the
/// terminal sends on Ctrl-C on Linux and macOS), finishes the generation in flight, writes its checkpoint and
/// exits cleanly, and the checkpoint resumes.
/// </summary>
public sealed class EvolutionInterruptTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cpulinear-es-sigint-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void Sigint_writes_a_checkpoint_of_the_last_finished_generation_and_exits_zero()
    {
        // Windows has no SIGINT to send to a child process; the handler is the same code on every OS.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        RealDataRequirement.Load("mnist", "MNIST is not in the cache: run `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` first.").Dispose();
        string cli = Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll");
        string metrics = Path.Combine(_folder, "es.metrics.jsonl");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { cli, "train", "--method", "es", "--generations", "100000", "--pairs", "2", "--es-batch", "16", "--threads", "1", "--limit", "200", "--out", _folder })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        try
        {
            var deadline = Stopwatch.StartNew();
            while (GenerationsLogged(metrics) < 3)
            {
                // errors.Result only once the process has ended: reading it earlier would wait for the end.
                Assert.False(process.HasExited, process.HasExited ? $"the run ended by itself: {errors.Result}" : null);
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "no three generations within two minutes");
                Thread.Sleep(50);
            }

            using (Process kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "the run did not stop within a minute of SIGINT");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {errors.Result}");
        Assert.Contains("interrupted", output.Result, StringComparison.Ordinal);

        // The checkpoint holds exactly the generations that finished (each logged a metrics row), far short of the run.
        Checkpoint checkpoint = SafetensorsCheckpoint.Read(Path.Combine(_folder, "es.safetensors"));
        Assert.Equal(GenerationsLogged(metrics), checkpoint.Step);
        Assert.InRange(checkpoint.Step, 3, 99_999);
        Assert.Equal(100_000, CpuLinear.Evolution.EvolutionCheckpoint.SettingsOf(checkpoint).Generations);
    }

    private static int GenerationsLogged(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Count(line => line.EndsWith('}'));
    }
}
