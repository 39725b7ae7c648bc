using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;

namespace CpuLinear.Training;

/// <summary>
/// An ES run that steps generation by generation and can be checkpointed: the CPU-driven <see cref="EvolutionTrainer"/>
/// (the ES algorithm on the host, members evaluated by any evaluator) or a driver that keeps the whole generation on a
/// device. Every implementation gives θ, the Adam state and the metrics of <see cref="EvolutionTrainer"/> with the same
/// bits, so a checkpoint written by one resumes on another.
/// </summary>
public interface IEvolutionRun
{
    /// <summary>θ after the last completed generation (a device run copies it to the host when read).</summary>
    NetworkParameters Parameters { get; }

    /// <summary>The run's settings.</summary>
    EvolutionSettings Settings { get; }

    /// <summary>The next generation to run (= generations completed so far).</summary>
    long Generation { get; }

    /// <summary>Whether the run has done all of <see cref="EvolutionSettings.Generations"/>.</summary>
    bool Finished { get; }

    /// <summary>Adam's step count (updates made so far).</summary>
    long AdamStep { get; }

    /// <summary>Adam's first moment m.</summary>
    ReadOnlySpan<float> AdamFirstMoment { get; }

    /// <summary>Adam's second moment v.</summary>
    ReadOnlySpan<float> AdamSecondMoment { get; }

    /// <summary>The last generation's fitness of member 2j (θ + σεⱼ) and 2j+1 (θ − σεⱼ).</summary>
    ReadOnlySpan<double> Fitness { get; }

    /// <summary>Where the population is evaluated, in words (for logs).</summary>
    string Description { get; }

    /// <summary>Runs one generation on <paramref name="data"/> (the training split) and updates θ.</summary>
    GenerationSummary Step(LabeledImages data);
}
