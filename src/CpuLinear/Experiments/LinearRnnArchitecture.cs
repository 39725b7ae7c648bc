using CpuLinear.Randomness;

namespace CpuLinear.Experiments;

/// <summary>
/// A linear recurrent network over a sequence of scalar inputs, in the blog's scaling: the state lives near
/// 2^-126 so that float32's flush can act on it. With s = 2^S the float32 program is
/// <code>
///   h₀ = 0,    hₜ₊₁ = hₜ·W + (xₜ·U + b) / s,    o = (h_T·V + c / s) · s
/// </code>
/// (the network's first layer for the input, its middle layer for the recurrence, its last layer for the readout;
/// <see cref="LinearRnnExecutor"/> runs it). The state has <see cref="StateSize"/> units, the readout
/// <see cref="Classes"/> logits.
/// </summary>
/// <remarks>
/// θ is one flat float32 vector: first the state matrix's parameters (<see cref="StateMatrix"/>: A then ℓ for
/// <see cref="StateMatrixKind.PositiveEigenvalues"/>, W for <see cref="StateMatrixKind.Free"/>, all row-major with
/// W[k, j] the weight from state unit k to unit j), then U (n), b (n), V (n x classes, row-major), c (classes).
/// </remarks>
public sealed record LinearRnnArchitecture
{
    /// <summary>The smallest eigenvalue the positive parametrisation allows: λ = ℓ² + 2^-10.</summary>
    public const double EigenvalueFloor = 1.0 / 1024;

    /// <summary>Creates an architecture.</summary>
    /// <exception cref="ArgumentException">A state size outside [1, 256], fewer than 2 or more than 16 classes, or a scale outside [1, 126].</exception>
    public LinearRnnArchitecture(int stateSize, StateMatrixKind stateMatrix = StateMatrixKind.PositiveEigenvalues, int classes = 2, int scaleExponent = 125)
    {
        if (stateSize is < 1 or > 256)
        {
            throw new ArgumentException($"The state size must be in [1, 256]; got {stateSize}.", nameof(stateSize));
        }

        if (classes is < 2 or > 16)
        {
            throw new ArgumentException($"The readout has 2 to 16 classes; got {classes}.", nameof(classes));
        }

        if (scaleExponent is < 1 or > 126)
        {
            throw new ArgumentException($"The scale exponent must be in [1, 126] (s = 2^S keeps s and 1/s normal floats); got {scaleExponent}.", nameof(scaleExponent));
        }

        if (!Enum.IsDefined(stateMatrix))
        {
            throw new ArgumentException($"Unknown state matrix kind {stateMatrix}.", nameof(stateMatrix));
        }

        StateSize = stateSize;
        StateMatrix = stateMatrix;
        Classes = classes;
        ScaleExponent = scaleExponent;
    }

    /// <summary>n: state units.</summary>
    public int StateSize { get; }

    /// <summary>How W is made from θ.</summary>
    public StateMatrixKind StateMatrix { get; }

    /// <summary>Readout logits.</summary>
    public int Classes { get; }

    /// <summary>S in s = 2^S.</summary>
    public int ScaleExponent { get; }

    /// <summary>Parameters of the state matrix: n² (A or W) plus n eigenvalue parameters ℓ for the positive kind.</summary>
    public int StateMatrixParameters => (StateSize * StateSize) + (StateMatrix == StateMatrixKind.PositiveEigenvalues ? StateSize : 0);

    /// <summary>Offset of U in θ.</summary>
    public int InputOffset => StateMatrixParameters;

    /// <summary>Offset of b in θ.</summary>
    public int BiasOffset => InputOffset + StateSize;

    /// <summary>Offset of V in θ.</summary>
    public int ReadoutOffset => BiasOffset + StateSize;

    /// <summary>Offset of c in θ.</summary>
    public int ReadoutBiasOffset => ReadoutOffset + (StateSize * Classes);

    /// <summary>Length of θ.</summary>
    public int ParameterCount => ReadoutBiasOffset + Classes;

    /// <summary>
    /// The initial θ for <paramref name="seed"/>, the same bits on every platform: W starts as
    /// <c>(I + A)·diag(λ)·(I + A)⁻¹</c> with A ~ Normal(0, (0.25/√n)²) and λ spread evenly over [1/2, 1] (for the
    /// free kind that matrix, rounded, is the initial W, so both kinds start from the same function); U ~ Normal(0, 1),
    /// b = 0, V ~ Normal(0, 1/n), c = 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">The drawn I + A is singular (it never is for the sizes allowed, but it is checked).</exception>
    public float[] Initialize(ulong seed)
    {
        int n = StateSize;
        var theta = new float[ParameterCount];
        var a = new float[n * n];
        new CounterRandom(seed, CounterRandom.StreamOf(0x4E11, 0)).FillNormal(a, (float)(0.25 / Math.Sqrt(n)));
        var ell = new float[n];
        for (int i = 0; i < n; i++)
        {
            // λᵢ = 1/2 + i/(2(n−1)) (1 for a single unit), stored as ℓ = √(λ − floor): IEEE square root is correctly rounded everywhere.
            double lambda = n == 1 ? 1.0 : 0.5 + (0.5 * i / (n - 1));
            ell[i] = (float)Math.Sqrt(lambda - EigenvalueFloor);
        }

        if (StateMatrix == StateMatrixKind.PositiveEigenvalues)
        {
            a.CopyTo(theta, 0);
            ell.CopyTo(theta, n * n);
        }
        else
        {
            var w = new double[n * n];
            if (!PositiveEigenvalueMatrix.TryCompose(a, ell, n, w, out _))
            {
                throw new InvalidOperationException($"The initial I + A of seed {seed} is singular.");
            }

            for (int i = 0; i < w.Length; i++)
            {
                theta[i] = (float)w[i];
            }
        }

        new CounterRandom(seed, CounterRandom.StreamOf(0x4E11, 1)).FillNormal(theta.AsSpan(InputOffset, n), 1f);
        new CounterRandom(seed, CounterRandom.StreamOf(0x4E11, 2)).FillNormal(theta.AsSpan(ReadoutOffset, n * Classes), (float)Math.Sqrt(1.0 / n));
        return theta;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"linear RNN, {StateSize} state units, {(StateMatrix == StateMatrixKind.PositiveEigenvalues ? "W = QΛQ⁻¹ with λ > 0" : "free W")}, {Classes} classes (s = 2^{ScaleExponent})";
}
