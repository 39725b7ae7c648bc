using System.Diagnostics;
using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Evolution;

/// <summary>How an ES run is driven from the command line.</summary>
/// <param name="Name">Run name: the checkpoint is <c>{OutDir}/{Name}.safetensors</c>.</param>
/// <param name="OutDir">Folder for the checkpoint.</param>
/// <param name="MetricsPath">Per-generation metrics (.csv or .jsonl); null writes none.</param>
/// <param name="EvaluateEvery">Generations between train/test accuracy measurements (fused executor).</param>
/// <param name="CheckpointEvery">Generations between checkpoints (one is always written at the end).</param>
/// <param name="TimeLimit">Stops early (with a checkpoint) when the wall time of this session passes it.</param>
/// <param name="EvaluationLimit">Rows of each split used by the progress evaluations (default: 10,000 train, all test).</param>
internal sealed record EvolutionSessionOptions(
    string Name, string OutDir, string? MetricsPath, int EvaluateEvery = 25, int CheckpointEvery = 100, TimeSpan? TimeLimit = null, int? EvaluationLimit = null)
{
    public string CheckpointPath => Path.Combine(OutDir, Name + ".safetensors");

    /// <summary>Appended to the progress line after every generation (e.g. the cluster's silos and traffic); null: nothing.</summary>
    public Func<string>? Status { get; init; }

    /// <summary>The training data's name, recorded in every checkpoint (<see cref="CheckpointNames.DatasetKey"/>); null records none.</summary>
    public string? Dataset { get; init; }

    /// <summary>
    /// Generations between progress evaluations for <paramref name="settings"/>: 25, or 250 for activity members, whose
    /// generations are tens of times cheaper (an evaluation of both splits costs about as much as ten of them).
    /// </summary>
    public static int EvaluationInterval(EvolutionSettings settings) => settings.UsesActivityMembers ? 250 : 25;

    /// <summary>Generations between checkpoints for <paramref name="settings"/>: 100, or 1000 for activity members.</summary>
    public static int CheckpointInterval(EvolutionSettings settings) => settings.UsesActivityMembers ? 1000 : 100;

    /// <summary>These options with the evaluation and checkpoint intervals that suit <paramref name="settings"/>.</summary>
    public EvolutionSessionOptions For(EvolutionSettings settings) =>
        this with { EvaluateEvery = EvaluationInterval(settings), CheckpointEvery = CheckpointInterval(settings) };
}

/// <summary>What an ES session did.</summary>
internal sealed record EvolutionSessionResult(
    IReadOnlyList<GenerationMetrics> Metrics, double Seconds, bool Interrupted, string CheckpointPath,
    IReadOnlyList<(double Accuracy, double? Seconds, long? Generation)> TimeToAccuracy);

/// <summary>
/// Runs an ES run (<see cref="IEvolutionRun"/>: the CPU-driven trainer or the device driver) with a live progress
/// bar (ETA, latest train/test accuracy), a metrics log and checkpoints. Ctrl-C (or the caller's <c>stop</c> token) finishes the current generation, writes the
/// checkpoint, then stops: resuming from it gives the same bits as a run that was never interrupted.
/// </summary>
internal static class EvolutionSession
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static EvolutionSessionResult Run(
        IAnsiConsole console, DatasetSplits data, IEvolutionRun trainer, EvolutionSessionOptions options, IReadOnlyList<double> milestones,
        double elapsedBefore = 0, CancellationToken stop = default)
    {
        IForwardExecutor fast = EvaluationExecutors.Fast();
        // Ctrl-C and the caller's token end the run the same way: at the next generation boundary.
        using var interruption = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var metrics = new List<GenerationMetrics>();
        var reached = milestones.Select(m => (Accuracy: m, Seconds: (double?)null, Generation: (long?)null)).ToList();
        using MetricsLog? log = options.MetricsPath is null ? null : new MetricsLog(options.MetricsPath);
        var clock = Stopwatch.StartNew();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // Keep the process alive until the generation in flight ends and the checkpoint is on disk.
            e.Cancel = true;
            interruption.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    long total = trainer.Settings.Generations;
                    ProgressTask task = context.AddTask(Markup.Escape(options.Name), maxValue: total);
                    task.Value = trainer.Generation;
                    string accuracies = "";
                    while (!trainer.Finished && !interruption.IsCancellationRequested)
                    {
                        GenerationSummary s = trainer.Step(data.Train);
                        double? trainAccuracy = null, testAccuracy = null;
                        bool last = trainer.Finished;
                        if (trainer.Generation % options.EvaluateEvery == 0 || last)
                        {
                            trainAccuracy = Evaluation.Run(fast, trainer.Parameters, data.Train, options.EvaluationLimit ?? 10_000).Accuracy;
                            testAccuracy = Evaluation.Run(fast, trainer.Parameters, data.Test, options.EvaluationLimit).Accuracy;
                            accuracies = string.Create(Invariant, $" train {trainAccuracy:P1} test {testAccuracy:P1}");
                            double now = elapsedBefore + clock.Elapsed.TotalSeconds;
                            for (int i = 0; i < reached.Count; i++)
                            {
                                if (reached[i].Seconds is null && testAccuracy >= reached[i].Accuracy)
                                {
                                    reached[i] = (reached[i].Accuracy, now, trainer.Generation);
                                }
                            }
                        }

                        var row = new GenerationMetrics(s.Generation, elapsedBefore + clock.Elapsed.TotalSeconds, s.Sigma, s.LearningRate, s.CenterLoss, s.CenterAccuracy, s.MeanFitness, trainAccuracy, testAccuracy,
                            (s.Generation + 1) * s.SampleEvaluations);
                        metrics.Add(row);
                        log?.Write(row);
                        task.Description = Markup.Escape(string.Create(Invariant, $"{options.Name} gen {trainer.Generation}/{total} loss {s.CenterLoss:F3}{accuracies}{options.Status?.Invoke()}"));
                        task.Value = trainer.Generation;
                        if (trainer.Generation % options.CheckpointEvery == 0)
                        {
                            SafetensorsCheckpoint.Write(options.CheckpointPath, Capture(trainer, elapsedBefore + clock.Elapsed.TotalSeconds, options.Dataset));
                        }

                        if (options.TimeLimit is { } limit && clock.Elapsed >= limit)
                        {
                            break;
                        }
                    }
                });
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        SafetensorsCheckpoint.Write(options.CheckpointPath, Capture(trainer, elapsedBefore + clock.Elapsed.TotalSeconds, options.Dataset));
        bool interrupted = interruption.IsCancellationRequested && !trainer.Finished;
        if (interrupted)
        {
            console.MarkupLineInterpolated($"[yellow]interrupted[/] at generation {trainer.Generation}: checkpoint [blue]{options.CheckpointPath}[/] (continue with --resume)");
        }

        return new EvolutionSessionResult(metrics, clock.Elapsed.TotalSeconds, interrupted, options.CheckpointPath, reached);
    }

    // The trainer's state plus the name of its data, so evaluate and --resume find the same data again.
    private static Checkpoint Capture(IEvolutionRun trainer, double elapsedSeconds, string? dataset)
    {
        Checkpoint state = EvolutionCheckpoint.Capture(trainer, elapsedSeconds);
        return dataset is null
            ? state
            : state with { Extra = new Dictionary<string, string>(state.Extra, StringComparer.Ordinal) { [CheckpointNames.DatasetKey] = dataset } };
    }
}
