namespace CpuLinear.Experiments;

/// <summary>
/// The positive-eigenvalue state matrix <c>W = Q·diag(λ)·Q⁻¹</c>, <c>Q = I + A</c>, <c>λᵢ = ℓᵢ² + 2^-10</c>, composed in
/// double (<see cref="StateMatrixKind.PositiveEigenvalues"/>).
/// </summary>
/// <remarks>
/// W is similar to diag(λ), so its eigenvalues are exactly the λᵢ, real and at least 2^-10, whatever A is (as long
/// as I + A is invertible). Every step is a plain loop in double in a fixed order (no libm), so the bits depend on
/// the inputs alone.
/// </remarks>
public static class PositiveEigenvalueMatrix
{
    /// <summary>λ = ℓ² + 2^-10, in double.</summary>
    public static double Eigenvalue(float ell) => ((double)ell * ell) + LinearRnnArchitecture.EigenvalueFloor;

    /// <summary>
    /// Writes <c>W = (I + A)·diag(λ)·(I + A)⁻¹</c> (row-major n x n) into <paramref name="w"/> and the Frobenius
    /// condition number ‖Q‖_F·‖Q⁻¹‖_F (an upper bound on the 2-norm one) into <paramref name="condition"/>.
    /// </summary>
    /// <returns>False when I + A is singular to working precision or anything is not finite; <paramref name="w"/> is then unspecified.</returns>
    public static bool TryCompose(ReadOnlySpan<float> a, ReadOnlySpan<float> ell, int n, Span<double> w, out double condition)
    {
        if (a.Length != n * n || ell.Length != n || w.Length != n * n)
        {
            throw new ArgumentException($"A must be {n}x{n}, ℓ {n} long and W {n}x{n}; got {a.Length}, {ell.Length} and {w.Length} values.");
        }

        condition = double.PositiveInfinity;
        var q = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            q[i] = a[i];
        }

        for (int i = 0; i < n; i++)
        {
            q[(i * n) + i] += 1;
        }

        var inverse = new double[n * n];
        if (!TryInvert(q, n, inverse))
        {
            return false;
        }

        double qNorm = 0, inverseNorm = 0;
        for (int i = 0; i < n * n; i++)
        {
            qNorm += q[i] * q[i];
            inverseNorm += inverse[i] * inverse[i];
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    sum += q[(i * n) + k] * Eigenvalue(ell[k]) * inverse[(k * n) + j];
                }

                if (!double.IsFinite(sum))
                {
                    return false;
                }

                w[(i * n) + j] = sum;
            }
        }

        condition = Math.Sqrt(qNorm) * Math.Sqrt(inverseNorm);
        return double.IsFinite(condition);
    }

    // Gauss–Jordan elimination with partial pivoting (the first largest pivot wins, so ties are broken by row order).
    private static bool TryInvert(double[] matrix, int n, double[] inverse)
    {
        var work = (double[])matrix.Clone();
        Array.Clear(inverse);
        for (int i = 0; i < n; i++)
        {
            inverse[(i * n) + i] = 1;
        }

        double scale = 0;
        foreach (double v in work)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }

        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < n; row++)
            {
                if (Math.Abs(work[(row * n) + column]) > Math.Abs(work[(pivot * n) + column]))
                {
                    pivot = row;
                }
            }

            double p = work[(pivot * n) + column];
            // Singular to working precision: a pivot this small against the matrix's scale leaves no trustworthy inverse.
            if (!(Math.Abs(p) > scale * 1e-13))
            {
                return false;
            }

            if (pivot != column)
            {
                SwapRows(work, n, pivot, column);
                SwapRows(inverse, n, pivot, column);
            }

            for (int j = 0; j < n; j++)
            {
                work[(column * n) + j] /= p;
                inverse[(column * n) + j] /= p;
            }

            for (int row = 0; row < n; row++)
            {
                double factor = work[(row * n) + column];
                if (row == column || factor == 0)
                {
                    continue;
                }

                for (int j = 0; j < n; j++)
                {
                    work[(row * n) + j] -= factor * work[(column * n) + j];
                    inverse[(row * n) + j] -= factor * inverse[(column * n) + j];
                }
            }
        }

        return true;
    }

    private static void SwapRows(double[] matrix, int n, int a, int b)
    {
        for (int j = 0; j < n; j++)
        {
            (matrix[(a * n) + j], matrix[(b * n) + j]) = (matrix[(b * n) + j], matrix[(a * n) + j]);
        }
    }
}
