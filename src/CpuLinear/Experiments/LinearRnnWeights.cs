namespace CpuLinear.Experiments;

/// <summary>
/// The float32 matrices a <see cref="LinearRnnExecutor"/> runs, made from θ: W (n x n), U (n), b (n), V (n x classes)
/// and c (classes), row-major, with W[k, j] the weight from state unit k to unit j (the state is a row vector).
/// </summary>
public sealed class LinearRnnWeights
{
    private LinearRnnWeights(LinearRnnArchitecture architecture, float[] state, ReadOnlySpan<float> theta, double smallestEigenvalue, double radius)
    {
        Architecture = architecture;
        State = state;
        Input = theta.Slice(architecture.InputOffset, architecture.StateSize).ToArray();
        Bias = theta.Slice(architecture.BiasOffset, architecture.StateSize).ToArray();
        Readout = theta.Slice(architecture.ReadoutOffset, architecture.StateSize * architecture.Classes).ToArray();
        ReadoutBias = theta.Slice(architecture.ReadoutBiasOffset, architecture.Classes).ToArray();
        SmallestEigenvalue = smallestEigenvalue;
        EigenvalueRadius = radius;
    }

    /// <summary>The network.</summary>
    public LinearRnnArchitecture Architecture { get; }

    /// <summary>W, n x n row-major.</summary>
    public float[] State { get; }

    /// <summary>U: the input's weight into each state unit.</summary>
    public float[] Input { get; }

    /// <summary>b: each state unit's input bias (in scaled units, as the network's biases).</summary>
    public float[] Bias { get; }

    /// <summary>V, n x classes row-major.</summary>
    public float[] Readout { get; }

    /// <summary>c: the readout's bias (scaled units).</summary>
    public float[] ReadoutBias { get; }

    /// <summary>The smallest λᵢ of the exact <c>Q·diag(λ)·Q⁻¹</c>; NaN for a free W.</summary>
    public double SmallestEigenvalue { get; }

    /// <summary>
    /// A bound on how far the eigenvalues of the float32 W (the rounded matrix) lie from the λᵢ: by Bauer–Fike each
    /// lies within κ₂(Q)·‖W₃₂ − W‖₂ of some λᵢ, bounded here by ‖Q‖_F·‖Q⁻¹‖_F·‖W₃₂ − W‖_F (W as composed in double).
    /// NaN for a free W.
    /// </summary>
    public double EigenvalueRadius { get; }

    /// <summary>
    /// Whether the radius is below the smallest λᵢ, so that every eigenvalue of the float32 W has a positive real
    /// part (and lies within the radius of a positive λᵢ). False for a free W.
    /// </summary>
    public bool EigenvaluesCertifiedPositive => EigenvalueRadius < SmallestEigenvalue;

    /// <summary>Makes the weights of <paramref name="theta"/>.</summary>
    /// <returns>False when the positive parametrisation's I + A is singular or its W is not finite.</returns>
    /// <exception cref="ArgumentException"><paramref name="theta"/> is not the architecture's length.</exception>
    public static bool TryCreate(LinearRnnArchitecture architecture, ReadOnlySpan<float> theta, out LinearRnnWeights weights)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (theta.Length != architecture.ParameterCount)
        {
            throw new ArgumentException($"{architecture} has {architecture.ParameterCount} parameters; got {theta.Length}.", nameof(theta));
        }

        int n = architecture.StateSize;
        var state = new float[n * n];
        weights = null!;
        if (architecture.StateMatrix == StateMatrixKind.Free)
        {
            theta[..(n * n)].CopyTo(state);
            weights = new LinearRnnWeights(architecture, state, theta, double.NaN, double.NaN);
            return true;
        }

        ReadOnlySpan<float> ell = theta.Slice(n * n, n);
        var composed = new double[n * n];
        if (!PositiveEigenvalueMatrix.TryCompose(theta[..(n * n)], ell, n, composed, out double condition))
        {
            return false;
        }

        double rounding = 0;
        for (int i = 0; i < composed.Length; i++)
        {
            state[i] = (float)composed[i];
            double error = state[i] - composed[i];
            rounding += error * error;
        }

        if (state.Any(float.IsInfinity))
        {
            return false;
        }

        double smallest = double.PositiveInfinity;
        foreach (float l in ell)
        {
            smallest = Math.Min(smallest, PositiveEigenvalueMatrix.Eigenvalue(l));
        }

        weights = new LinearRnnWeights(architecture, state, theta, smallest, condition * Math.Sqrt(rounding));
        return true;
    }
}
