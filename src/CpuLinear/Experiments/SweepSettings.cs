using CpuLinear.Evolution;

namespace CpuLinear.Experiments;

/// <summary>What every cell of a sweep shares: the data, the seed and the two trainers' schedules.</summary>
/// <param name="Dataset">The dataset's catalogue name.</param>
/// <param name="Limit">Train and test on the first N examples of each split (null: all).</param>
/// <param name="Seed">Seed of every cell's initialisation, minibatch order and ES noise.</param>
/// <param name="Epochs">Backprop epochs.</param>
/// <param name="Batch">Backprop minibatch size.</param>
/// <param name="LearningRate">Backprop's Adam step for the first half of the epochs (×0.3 after).</param>
/// <param name="Evolution">ES settings (its seed is replaced by <paramref name="Seed"/>).</param>
public sealed record SweepSettings(string Dataset, int? Limit, ulong Seed, int Epochs, int Batch, float LearningRate, EvolutionSettings Evolution);
