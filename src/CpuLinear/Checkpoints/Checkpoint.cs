using CpuLinear.Networks;

namespace CpuLinear.Checkpoints;

/// <summary>
/// A trained network with what is needed to evaluate it and resume its training: the parameters, the float
/// semantics it was trained under, how it was trained, and optionally Adam's moments.
/// </summary>
/// <param name="Parameters">Weights and biases (the architecture comes with them).</param>
/// <param name="Semantics">The float rules the network was trained under and is meant to run under.</param>
/// <param name="Trainer">"bp" (backprop), "es", ...</param>
/// <param name="Gradient">The backprop gradient mode's name, or null for trainers without one.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Step">Optimizer updates taken.</param>
/// <param name="AdamFirstMoment">Adam's m over the flat parameter vector, or null.</param>
/// <param name="AdamSecondMoment">Adam's v, or null (present exactly when m is).</param>
public sealed record Checkpoint(
    NetworkParameters Parameters,
    FloatSemantics Semantics,
    string Trainer,
    string? Gradient,
    ulong Seed,
    long Step,
    float[]? AdamFirstMoment = null,
    float[]? AdamSecondMoment = null)
{
    /// <summary>Metadata entries beyond the ones this record names (written as they are; read back unchanged).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The SHA-256 (lower-case hex) of the tensor data that <see cref="SafetensorsCheckpoint.Read"/> verified the
    /// file against; null when the file carried none (written before checkpoints had one: there was no checksum
    /// to verify) or when the checkpoint was not read from a file. Writing ignores it and computes a fresh one.
    /// </summary>
    public string? DataSha256 { get; init; }
}
