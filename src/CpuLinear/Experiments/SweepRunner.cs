using System.Diagnostics;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Experiments;

/// <summary>
/// Trains and measures one sweep cell, and the sweep's linear ceiling. A cell depends only on the plan and itself
/// (the same seed for every cell), never on which cells ran before it, so a resumed sweep computes the bits an
/// uninterrupted one does.
/// </summary>
public static class SweepRunner
{
    /// <summary>Trains <paramref name="cell"/>'s network on <paramref name="data"/> and measures it under every semantics of the grid.</summary>
    /// <param name="cell">The cell.</param>
    /// <param name="plan">The sweep.</param>
    /// <param name="data">The splits, already limited to <see cref="SweepSettings.Limit"/>.</param>
    /// <param name="engine">Threads and kernel path.</param>
    /// <param name="evaluator">Where ES members are evaluated (null: the CPU engine).</param>
    /// <param name="cancel">Checked between epochs and generations; a cancelled cell throws and leaves no result.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was signalled.</exception>
    public static SweepCellResult Run(
        SweepCell cell, SweepPlan plan, DatasetSplits data, EngineSettings engine, IPopulationEvaluator? evaluator = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(data);
        SweepSettings settings = plan.Settings;
        var clock = Stopwatch.StartNew();
        var parameters = NetworkParameters.Initialize(cell.Architecture(data.Train.Features, data.Train.ClassCount), settings.Seed);
        long steps = 0;
        if (SweepTrainers.Gradient(cell.Trainer) is { } gradient)
        {
            var trainer = new BackpropTrainer(parameters, gradient, engine);
            LearningRateSchedule schedule = LearningRateSchedule.HalfThenDecay(settings.LearningRate, settings.Epochs);
            for (int epoch = 0; epoch < settings.Epochs; epoch++)
            {
                cancel.ThrowIfCancellationRequested();
                steps = trainer.TrainEpoch(data.Train, epoch, settings.Batch, schedule.At(epoch), settings.Seed).Step;
            }
        }
        else
        {
            EvolutionSettings es = settings.Evolution with { Seed = settings.Seed };
            var trainer = new EvolutionTrainer(parameters, es, engine, evaluator);
            while (!trainer.Finished)
            {
                cancel.ThrowIfCancellationRequested();
                trainer.Step(data.Train);
            }

            steps = trainer.Generation;
        }

        var accuracies = new List<SweepAccuracy>();
        foreach (FloatSemantics semantics in plan.Grid.Semantics)
        {
            IForwardExecutor literal = EvaluationExecutors.Reference(semantics, engine);
            accuracies.Add(new SweepAccuracy(
                semantics, Evaluation.Run(literal, parameters, data.Train).Accuracy, Evaluation.Run(literal, parameters, data.Test).Accuracy));
        }

        return new SweepCellResult(cell, accuracies, steps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The converged linear ceiling of the (limited) data, seeded as the cells are.</summary>
    public static SweepCeiling Ceiling(SweepPlan plan, DatasetSplits data, EngineSettings engine)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(data);
        LinearCeilingResult ceiling = LinearCeiling.Train(data.Train, data.Train.ClassCount, plan.Settings.Seed, engine);
        return new SweepCeiling(
            Evaluation.Run(ceiling.Executor, ceiling.Parameters, data.Train).Accuracy, Evaluation.Run(ceiling.Executor, ceiling.Parameters, data.Test).Accuracy,
            ceiling.Epochs, ceiling.Converged);
    }
}
