using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using Spectre.Console;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// Stopping an ES session mid-run, in-process, on every OS: the path Ctrl-C takes (the SIGINT test covers the
/// signal itself on Linux and macOS, where one process can send it to another).
/// </summary>
public sealed class EvolutionSessionStopTests() : TemporaryFolderTest("cpulinear-es-stop-")
{
    [Fact]
    public async Task A_stopped_session_checkpoints_the_last_finished_generation_and_resumes_to_the_same_bits()
    {
        using DatasetSplits data = Datasets.Load("xor", new DatasetLoadOptions { Log = TextWriter.Null });
        var net = new NetworkArchitecture([data.Train.Features, 16, 16, 2]);
        // Far more generations than the test waits for: only the stop can end this run.
        var settings = new EvolutionSettings { Pairs = 8, BatchSize = 64, Generations = 1_000_000, Rank = 0, SigmaInitial = 0.1f, LearningRateInitial = 0.03f };
        var engine = new EngineSettings { MaxThreads = 2 };
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, engine);
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No,
        });
        var options = new EvolutionSessionOptions("es", Folder, Path.Combine(Folder, "es.metrics.jsonl"));
        Directory.CreateDirectory(Folder);

        using var stop = new CancellationTokenSource();
        Task<EvolutionSessionResult> run = Task.Run(() => EvolutionSession.Run(console, data, trainer, options, [0.9], stop: stop.Token));
        while (trainer.Generation < 3 && !run.IsCompleted)
        {
            await Task.Delay(1);
        }

        await stop.CancelAsync();
        EvolutionSessionResult result = await run.WaitAsync(TimeSpan.FromMinutes(2));

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
