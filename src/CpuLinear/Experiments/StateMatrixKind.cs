namespace CpuLinear.Experiments;

/// <summary>How the state matrix W of a <see cref="LinearRnnArchitecture"/> is made from θ.</summary>
public enum StateMatrixKind
{
    /// <summary>
    /// <c>W = Q·diag(λ)·Q⁻¹</c> with <c>Q = I + A</c> and <c>λᵢ = ℓᵢ² + 2^-10</c> (A and ℓ are the parameters): every
    /// eigenvalue of the exact matrix is real and at least 2^-10. The float32 matrix the program uses is that
    /// matrix rounded, whose eigenvalues stay within a computed bound of the λᵢ (<see cref="LinearRnnWeights.EigenvalueRadius"/>).
    /// </summary>
    PositiveEigenvalues,

    /// <summary>Every entry of W is a parameter: the control, whose eigenvalues may be negative or complex.</summary>
    Free,
}
