using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// Tasks no linear classifier can solve: ES on a deep linear network in float32 solves them through the dead
/// zones alone (the network has no activation function). Accuracies come from the literal float32 program.
/// </summary>
public sealed class ToyTaskTests
{
    [Theory]
    [InlineData("xor", 0.98)]
    [InlineData("circles", 0.98)]
    [InlineData("parity4", 1.0)]
    public void Es_solves_a_task_that_the_best_linear_classifier_cannot(string task, double required)
    {
        using DatasetSplits data = Datasets.Load(task, new DatasetLoadOptions { Log = TextWriter.Null });
        var net = new NetworkArchitecture([data.Train.Features, 16, 16, 2]);
        // Settings from a small sweep (docs/evolution.md): full-rank noise, σ 0.1 → 0.02, Adam 0.03 → 0.003.
        // Small on purpose: CI also runs this with AVX2 (and hardware FMA) disabled, where every FMA is software.
        var settings = new EvolutionSettings
        {
            Pairs = 32, BatchSize = 256, Generations = 300, Rank = 0,
            SigmaInitial = 0.1f, SigmaFinal = 0.02f, LearningRateInitial = 0.03f, LearningRateFinal = 0.003f,
        };
        EvolutionTrainer trainer = EvolutionTestData.Run(net, settings, data.Train, settings.Generations, threads: 2);

        EvaluationResult es = Evaluation.Run(EvaluationExecutors.Reference(FloatSemantics.FtzElementwise), trainer.Parameters, data.Test);
        EvaluationResult ablation = Evaluation.Run(EvaluationExecutors.Reference(FloatSemantics.Ieee), trainer.Parameters, data.Test);
        double linear = BestLinear(data);
        Assert.True(es.Accuracy >= required, $"{task}: ES reached {es.Accuracy:P1} test; need {required:P0} (linear {linear:P1}).");
        // Both facts together are the claim: the linear ceiling is near chance, and the same weights without
        // the flush (IEEE) lose what they learned.
        Assert.True(linear < 0.75, $"{task}: the linear classifier reached {linear:P1}; the task should not be linearly solvable.");
        Assert.True(ablation.Accuracy < es.Accuracy - 0.2, $"{task}: under IEEE the ES weights still reach {ablation.Accuracy:P1} (FTZ {es.Accuracy:P1}).");
    }

    // Softmax regression trained by backprop: the best a linear classifier does on the task.
    private static double BestLinear(DatasetSplits data)
    {
        var net = new NetworkArchitecture([data.Train.Features, 2]);
        var parameters = NetworkParameters.Initialize(net, 3);
        var trainer = new BackpropTrainer(parameters, GradientMode.PureLinear);
        for (int epoch = 0; epoch < 20; epoch++)
        {
            trainer.TrainEpoch(data.Train, epoch, 64, 1e-2f, 3);
        }

        return Evaluation.Run(trainer.ForwardExecutor, parameters, data.Test).Accuracy;
    }
}
