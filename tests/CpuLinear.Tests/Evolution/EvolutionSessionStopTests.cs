using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// Stopping an ES session mid-run, in-process, on every OS: the path Ctrl-C takes (the SIGINT test covers the
/// signal itself on Linux and macOS, where one process can send it to another).
/// </summary>
public sealed class EvolutionSessionStopTests() : TemporaryFolderTest("cpulinear-es-stop-")
{
    [Fact]
    public void A_stopped_session_checkpoints_the_last_finished_generation_and_resumes_to_the_same_bits()
    {
        using DatasetSplits data = Datasets.Load("xor", new DatasetLoadOptions { Log = TextWriter.Null });
        var net = new NetworkArchitecture([data.Train.Features, 16, 16, 2]);
        // Far more generations than the test waits for: only the stop can end this run.
        var settings = new EvolutionSettings { Pairs = 8, BatchSize = 64, Generations = 1_000_000, Rank = 0, SigmaInitial = 0.1f, LearningRateInitial = 0.03f };
        var engine = new EngineSettings { MaxThreads = 2 };
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, engine);
        var output = new StringWriter();
        IAnsiConsole console = CliRunner.PlainConsole(output);
        var options = new EvolutionSessionOptions("es", Folder, Path.Combine(Folder, "es.metrics.jsonl"));
        Directory.CreateDirectory(Folder);

        // The stop comes from a thread of its own (what Ctrl-C's handler is to the process): a continuation queued
        // on the thread pool or the test framework's context can wait until the busy run is over.
        using var stop = new CancellationTokenSource();
        var watcher = new Thread(() =>
        {
            while (trainer.Generation < 3)
            {
                Thread.Sleep(1);
            }

            stop.Cancel();
        })
        { IsBackground = true };
        watcher.Start();
        EvolutionSessionResult result = EvolutionSession.Run(console, data, trainer, options, [0.9], stop: stop.Token);
        watcher.Join();

        Assert.True(result.Interrupted);
        Assert.Contains("interrupted at generation", output.ToString(), StringComparison.Ordinal);
        Checkpoint checkpoint = SafetensorsCheckpoint.Read(result.CheckpointPath);
        long finished = checkpoint.Step;
        Assert.InRange(finished, 3, settings.Generations - 1);
        Assert.Equal(trainer.Generation, finished);
        Assert.Equal(finished, result.Metrics.Count);
        Assert.Equal(finished, File.ReadLines(options.MetricsPath!).Count());

        // The checkpoint continues exactly like a run that was never stopped.
        EvolutionTrainer resumed = EvolutionCheckpoint.Resume(checkpoint, engine);
        EvolutionTrainer straight = EvolutionTestData.Run(net, settings, data.Train, (int)finished + 4, threads: 1);
        for (int g = 0; g < 4; g++)
        {
            resumed.Step(data.Train);
        }

        Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
    }
}
