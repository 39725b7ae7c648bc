namespace CpuLinear.Training;

/// <summary>
/// What one generation measured on its minibatch. Fitness is −(mean softmax cross-entropy): higher is better.
/// </summary>
/// <param name="Generation">Index of the generation just completed (0-based).</param>
/// <param name="Sigma">σ used for its perturbations.</param>
/// <param name="LearningRate">Adam step size of its update.</param>
/// <param name="CenterLoss">Mean cross-entropy of the unperturbed parameters on the minibatch, before the update.</param>
/// <param name="CenterAccuracy">Accuracy of the unperturbed parameters on the minibatch, before the update.</param>
/// <param name="MeanFitness">Mean fitness over the population.</param>
/// <param name="BestFitness">Best fitness in the population.</param>
/// <param name="Seconds">Wall time of the generation.</param>
/// <param name="SampleEvaluations">
/// Member·row evaluations the generation made: its members (2 · pairs, every pair it evaluated) times its
/// minibatch rows. The centre's own scoring of θ on the batch is not counted.
/// </param>
public readonly record struct GenerationSummary(
    long Generation, float Sigma, float LearningRate, double CenterLoss, double CenterAccuracy,
    double MeanFitness, double BestFitness, double Seconds, long SampleEvaluations = 0);
