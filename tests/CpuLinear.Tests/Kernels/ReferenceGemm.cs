namespace CpuLinear.Tests.Kernels;

/// <summary>
/// The GEMM contract written as plainly as possible: for each output, one fused multiply-add chain over k in
/// increasing order starting from +0. Every kernel path must match it bit for bit.
/// </summary>
internal static class ReferenceGemm
{
    public static float[] Multiply(int m, int n, int k, float[] a, float[] b)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = 0f;
                for (int p = 0; p < k; p++)
                {
                    acc = MathF.FusedMultiplyAdd(a[(i * k) + p], b[(p * n) + j], acc);
                }

                c[(i * n) + j] = acc;
            }
        }

        return c;
    }
}
