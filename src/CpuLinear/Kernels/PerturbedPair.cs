using System.Runtime.CompilerServices;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// One antithetic pair of perturbed rows of a dead-zone layer, in one pass: with <c>s = δ·e</c> (random signs times
/// an eligibility mask),
/// <c>plus = D_out(D_in(p + s·σ) + b)</c> and <c>minus = D_out(D_in(p + s·(−σ)) + b)</c>.
/// </summary>
/// <remarks>
/// Every step is one IEEE operation on one element (no contraction into fused multiply-adds), so every kernel path
/// gives the bits of the written-out sequence: <c>s = δ·e</c>; <c>d = s·σ</c>; <c>p + d</c> and <c>p − d</c>
/// (<c>p + s·(−σ)</c> is that difference exactly: negating σ negates the product, and a subtraction is the addition of
/// the negation); then the layer's bias add of <see cref="DeadZone.AddBias"/>.
/// </remarks>
internal static class PerturbedPair
{
    /// <summary>Builds one pair's rows and overwrites <paramref name="signs"/> with <c>δ·e</c>.</summary>
    /// <param name="product">p: the row's product h·W (the centre).</param>
    /// <param name="bias">The layer's bias, already flushed once (as <see cref="DeadZone.AddBias"/> takes it).</param>
    /// <param name="eligible">e: 1 where a unit may be perturbed, 0 where it keeps its product.</param>
    /// <param name="signs">δ (±1) in, δ·e out.</param>
    /// <param name="sigma">σ.</param>
    /// <param name="inner">The dead zone on the product (D_in).</param>
    /// <param name="outer">The dead zone on the sum (D_out).</param>
    /// <param name="plus">The +σ row.</param>
    /// <param name="minus">The −σ row.</param>
    /// <param name="path">The kernel path (all give the same bits).</param>
    [SkipLocalsInit]
    public static unsafe void Build(
        ReadOnlySpan<float> product, ReadOnlySpan<float> bias, ReadOnlySpan<float> eligible, Span<float> signs, float sigma,
        float inner, float outer, Span<float> plus, Span<float> minus, KernelPath path)
    {
        int n = product.Length;
        if (bias.Length < n || eligible.Length < n || signs.Length < n || plus.Length < n || minus.Length < n)
        {
            throw new ArgumentException($"A pair of {n} units needs {n} values in every operand (bias {bias.Length}, eligible {eligible.Length}, signs {signs.Length}, rows {plus.Length} and {minus.Length}).");
        }

        fixed (float* pp = product)
        fixed (float* pb = bias)
        fixed (float* pe = eligible)
        fixed (float* ps = signs)
        fixed (float* pu = plus)
        fixed (float* pm = minus)
        {
            var kernel = new Kernel(pp, pb, pe, ps, pu, pm, n, sigma, inner, outer);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    private static unsafe void Run<TLanes, TVector>(in Kernel k)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector up = TLanes.Broadcast(k.Sigma), down = TLanes.Broadcast(-k.Sigma);
        TVector tIn = TLanes.Broadcast(k.Inner), tOut = TLanes.Broadcast(k.Outer), tBias = TLanes.Zero;
        int i = 0;
        for (; i <= k.Length - TLanes.Count; i += TLanes.Count)
        {
            TVector s = TLanes.Multiply(TLanes.Load(k.Signs + i), TLanes.Load(k.Eligible + i));
            TLanes.Store(s, k.Signs + i);
            TVector p = TLanes.Load(k.Product + i);
            TVector b = TLanes.DeadZone(TLanes.Load(k.Bias + i), tBias);
            TVector x = TLanes.Add(p, TLanes.Multiply(s, up));
            TLanes.Store(TLanes.DeadZone(TLanes.Add(TLanes.DeadZone(x, tIn), b), tOut), k.Plus + i);
            x = TLanes.Add(p, TLanes.Multiply(s, down));
            TLanes.Store(TLanes.DeadZone(TLanes.Add(TLanes.DeadZone(x, tIn), b), tOut), k.Minus + i);
        }

        for (; i < k.Length; i++)
        {
            float s = k.Signs[i] * k.Eligible[i];
            k.Signs[i] = s;
            float b = ScalarLanes.DeadZone(k.Bias[i], 0f);
            k.Plus[i] = ScalarLanes.DeadZone(ScalarLanes.DeadZone(k.Product[i] + (s * k.Sigma), k.Inner) + b, k.Outer);
            k.Minus[i] = ScalarLanes.DeadZone(ScalarLanes.DeadZone(k.Product[i] + (s * -k.Sigma), k.Inner) + b, k.Outer);
        }
    }

    private readonly unsafe struct Kernel(float* product, float* bias, float* eligible, float* signs, float* plus, float* minus, int length, float sigma, float inner, float outer)
        : ILaneKernel<Kernel>
    {
        public readonly float* Product = product, Bias = bias, Eligible = eligible, Signs = signs, Plus = plus, Minus = minus;
        public readonly int Length = length;
        public readonly float Sigma = sigma, Inner = inner, Outer = outer;

        public static void Run<TLanes, TVector>(ref Kernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => PerturbedPair.Run<TLanes, TVector>(kernel);
    }
}
