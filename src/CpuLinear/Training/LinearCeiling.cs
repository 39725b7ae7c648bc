using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Scoring;

namespace CpuLinear.Training;

/// <summary>
/// The best linear classifier, trained to convergence: softmax regression (inputs → classes, no hidden layer) by
/// minibatch Adam, with the step size cut by 0.3 whenever an epoch fails to lower the full training loss by a
/// relative <see cref="Tolerance"/>, until it has been cut <see cref="Cuts"/> times. Any network whose layers
/// compose to one linear map can do no better on the training loss, so its test accuracy is the ceiling a deep
/// network must pass to show it computes something nonlinear.
/// </summary>
/// <remarks>
/// Deterministic: the minibatch order is the seed's, the optimiser's and the evaluation's sums are in index order,
/// so the same seed gives the same classifier whatever the thread count. Costs seconds on MNIST.
/// </remarks>
public static class LinearCeiling
{
    /// <summary>An epoch that lowers the training loss by less than this fraction counts as a plateau.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>Plateaus (each cutting the step size by 0.3) before training stops.</summary>
    public const int Cuts = 4;

    /// <summary>Trains softmax regression on <paramref name="train"/> until it converges (or <paramref name="maxEpochs"/>).</summary>
    /// <param name="train">The training split.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="seed">Seeds the initialisation and the minibatch order.</param>
    /// <param name="engine">Threads and kernel path.</param>
    /// <param name="maxEpochs">Upper bound on the epochs, reached only if the loss keeps falling.</param>
    /// <param name="progress">Told each epoch's summary and full training loss.</param>
    public static LinearCeilingResult Train(
        LabeledImages train, int classes, ulong seed, EngineSettings? engine = null, int maxEpochs = 100, Action<EpochSummary, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        var net = new NetworkArchitecture([train.Features, classes]);
        var parameters = NetworkParameters.Initialize(net, seed);
        var trainer = new BackpropTrainer(parameters, GradientMode.PureLinear, engine);
        float rate = 1e-3f;
        int cuts = 0, epoch = 0;
        double loss = Evaluation.Run(trainer.ForwardExecutor, parameters, train).Loss;
        while (epoch < maxEpochs && cuts < Cuts)
        {
            EpochSummary summary = trainer.TrainEpoch(train, epoch, 128, rate, seed);
            epoch++;
            double next = Evaluation.Run(trainer.ForwardExecutor, parameters, train).Loss;
            progress?.Invoke(summary, next);
            if (next > loss * (1 - Tolerance))
            {
                rate *= 0.3f;
                cuts++;
            }

            loss = Math.Min(loss, next);
        }

        return new LinearCeilingResult(parameters, trainer.ForwardExecutor, epoch, loss, cuts >= Cuts);
    }
}
