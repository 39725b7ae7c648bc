namespace CpuLinear.Scoring;

/// <summary>One parameter block of a <see cref="DisplacementComparison"/>.</summary>
/// <param name="Name">W1, b1, … or "all".</param>
/// <param name="Length">Parameters in the block.</param>
/// <param name="StartNorm">‖θ₀‖ on the block.</param>
/// <param name="DisplacementA">‖A − θ₀‖.</param>
/// <param name="DisplacementB">‖B − θ₀‖.</param>
/// <param name="Distance">‖A − B‖.</param>
/// <param name="Cosine">cos(A − θ₀, B − θ₀); NaN if either did not move.</param>
public sealed record BlockDisplacement(string Name, int Length, double StartNorm, double DisplacementA, double DisplacementB, double Distance, double Cosine)
{
    /// <summary>1 − cos: the share of the squared displacement the two runs do not share (see <see cref="DisplacementComparison"/>).</summary>
    public double NoiseFraction => 1 - Cosine;

    /// <summary>‖A − B‖ over the mean displacement: √2 for unrelated equal-size moves, 0 for identical ones.</summary>
    public double RelativeDistance => Distance / ((DisplacementA + DisplacementB) / 2);
}
