namespace CpuLinear.Experiments;

/// <summary>
/// A hand-built θ with which a <see cref="LinearRnnArchitecture"/> of positive eigenvalues computes parity exactly
/// under <see cref="Networks.FloatSemantics.FtzElementwise"/>, at any length: what the flush makes possible, whether
/// or not a search finds it (docs/experiments.md).
/// </summary>
/// <remarks>
/// <para>
/// Three state units u, a, z carry the parity p = −5u + (20/3)a + 5z of the bits read so far. In scaled units, with
/// the dead zone D(v) = |v| &lt; ½ ? 0 : v of each step (S = 125), the next bit x gives
/// <code>
///   u' = D(D(p))                    = p
///   a' = D(D(0.9·p) + D(−0.6·x))    = 0.9p − 0.6x except at p = x = 1, where 0.9 − 0.6 = 0.3 is flushed
///   z' = D(D(0) + D(x))             = x
///   p' = −5u' + (20/3)a' + 5z'      = p + x − 2px = p XOR x
/// </code>
/// The one interaction XOR needs, px, is the flush of a'. The state matrix is the rank-one W₀ = r·sᵀ (r = (−5, 20/3, 5)
/// reads p, s = (1, 0.9, 0) writes it), whose eigenvalues are sᵀr = 1 and 0; the θ here is
/// <c>W = Q·diag(1, 2^-10, …, 2^-10)·Q⁻¹ = W₀ + 2^-10·(I − W₀)</c>, with Q's columns r, (0, 0, 1), (0.9, −1, 0) and the
/// other units' unit vectors: every eigenvalue positive. The 2^-10 part moves each pre-activation by at most about
/// 2^-10 times the state, far inside the margins of the dead zones (0.1 and more), and leaves p unchanged after a 0
/// bit, so the errors do not build up. Without the flush (IEEE) the same θ is a linear map of the bits.
/// The readout gives logits (0, 4·(p − ½)). Other state units get all-zero weights.
/// </para>
/// <para>
/// With −1 / +1 inputs the drives are written for the bit β = (x + 1)/2: a gets D(−0.3x − 0.3) = D(−0.6β) and z gets
/// D(0.5x + 0.5) = D(β). For a free W (<see cref="StateMatrixKind.Free"/>) θ holds the same matrix, composed in double
/// and rounded.
/// </para>
/// </remarks>
public static class ParityConstruction
{
    /// <summary>The state units the construction uses (u, a, z); any further ones stay idle.</summary>
    public const int StateUnits = 3;

    /// <summary>The construction's θ for <paramref name="architecture"/>, for inputs of 0 / 1 or, when <paramref name="signedInputs"/>, −1 / +1.</summary>
    /// <exception cref="ArgumentException">The network has fewer than 3 state units, not 2 classes or a scale other than S = 125.</exception>
    public static float[] Theta(LinearRnnArchitecture architecture, bool signedInputs)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.StateSize < StateUnits || architecture.Classes != 2 || architecture.ScaleExponent != 125)
        {
            throw new ArgumentException($"The construction needs at least {StateUnits} state units, 2 classes and S = 125; got {architecture}.", nameof(architecture));
        }

        int n = architecture.StateSize;
        // A = Q − I, with Q's columns r (eigenvalue 1), then (0, 0, 1) and (0.9, −1, 0), both orthogonal to s (eigenvalue 2^-10).
        var q = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            q[i, i] = 1;
        }

        (q[0, 0], q[1, 0], q[2, 0]) = (-5, 20.0 / 3, 5);
        (q[0, 1], q[1, 1], q[2, 1]) = (0, 0, 1);
        (q[0, 2], q[1, 2], q[2, 2]) = (0.9, -1, 0);
        var a = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[(i * n) + j] = (float)(q[i, j] - (i == j ? 1 : 0));
            }
        }

        // λ = ℓ² + 2^-10: ℓ = √(1 − 2^-10) for the first eigenvalue, 0 (λ = 2^-10) for the rest.
        var ell = new float[n];
        ell[0] = (float)Math.Sqrt(1 - LinearRnnArchitecture.EigenvalueFloor);

        var theta = new float[architecture.ParameterCount];
        if (architecture.StateMatrix == StateMatrixKind.PositiveEigenvalues)
        {
            a.CopyTo(theta, 0);
            ell.CopyTo(theta, n * n);
        }
        else
        {
            var composed = new double[n * n];
            _ = PositiveEigenvalueMatrix.TryCompose(a, ell, n, composed, out _);
            for (int i = 0; i < composed.Length; i++)
            {
                theta[i] = (float)composed[i];
            }
        }

        // Drives D(U·x + b): a gets −0.6 on a one bit, z gets 1 (for ±1 inputs, the same values from x = 2β − 1).
        (float aInput, float aBias, float zInput, float zBias) = signedInputs ? (-0.3f, -0.3f, 0.5f, 0.5f) : (-0.6f, 0f, 1f, 0f);
        theta[architecture.InputOffset + 1] = aInput;
        theta[architecture.BiasOffset + 1] = aBias;
        theta[architecture.InputOffset + 2] = zInput;
        theta[architecture.BiasOffset + 2] = zBias;
        // Logits (0, 4p − 2): V's second column 4·r, c = (0, −2).
        float[] read = [-5f, 20f / 3, 5f];
        for (int i = 0; i < 3; i++)
        {
            theta[architecture.ReadoutOffset + (i * 2) + 1] = 4 * read[i];
        }

        theta[architecture.ReadoutBiasOffset + 1] = -2f;
        return theta;
    }
}
