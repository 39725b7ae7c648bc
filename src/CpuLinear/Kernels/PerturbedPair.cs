using System.Runtime.CompilerServices;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// One antithetic pair of perturbed rows of a dead-zone layer, in one pass: with <c>s = δ·e</c> (random signs, one bit
/// each, times an eligibility mask),
/// <c>plus = D_out(D_in(p + s·σ) + b)</c> and <c>minus = D_out(D_in(p + s·(−σ)) + b)</c>; and the pair's share of a row's
/// estimate, <c>estimate += c·s</c>.
/// </summary>
/// <remarks>
/// Every step is one IEEE operation on one element (no contraction into fused multiply-adds), so every kernel path
/// gives the bits of the written-out sequence: <c>s = δ·e</c> (with δ = ±1 and e = 0 or 1 that is e with its sign
/// flipped where δ's bit is set, exactly, −0 included); <c>d = s·σ</c>; <c>p + d</c> and <c>p − d</c> (<c>p + s·(−σ)</c>
/// is that difference exactly: negating σ negates the product, and a subtraction is the addition of the negation); then
/// the layer's bias add of <see cref="DeadZone.AddBias"/> (whose dead zone on the bias, at threshold 0, leaves every
/// value as it is). The signs stay bits: δ of unit i is bit <c>i mod 32</c> of word <c>i / 32</c>, set for −1.
/// </remarks>
internal static class PerturbedPair
{
    /// <summary>Builds one pair's rows.</summary>
    /// <param name="product">p: the row's product h·W (the centre).</param>
    /// <param name="bias">The layer's bias, already flushed once (as <see cref="DeadZone.AddBias"/> takes it).</param>
    /// <param name="eligible">e: 1 where a unit may be perturbed, 0 where it keeps its product.</param>
    /// <param name="signs">δ as bits (set: −1), at least ⌈n/32⌉ words.</param>
    /// <param name="sigma">σ.</param>
    /// <param name="inner">The dead zone on the product (D_in).</param>
    /// <param name="outer">The dead zone on the sum (D_out).</param>
    /// <param name="plus">The +σ row.</param>
    /// <param name="minus">The −σ row.</param>
    /// <param name="path">The kernel path (all give the same bits).</param>
    [SkipLocalsInit]
    public static unsafe void Build(
        ReadOnlySpan<float> product, ReadOnlySpan<float> bias, ReadOnlySpan<float> eligible, ReadOnlySpan<uint> signs, float sigma,
        float inner, float outer, Span<float> plus, Span<float> minus, KernelPath path)
    {
        int n = product.Length;
        if (bias.Length < n || eligible.Length < n || signs.Length < Words(n) || plus.Length < n || minus.Length < n)
        {
            throw new ArgumentException(
                $"A pair of {n} units needs {n} values in every operand and {Words(n)} sign words (bias {bias.Length}, eligible {eligible.Length}, signs {signs.Length}, rows {plus.Length} and {minus.Length}).");
        }

        fixed (float* pp = product)
        fixed (float* pb = bias)
        fixed (float* pe = eligible)
        fixed (uint* ps = signs)
        fixed (float* pu = plus)
        fixed (float* pm = minus)
        {
            var kernel = new BuildKernel(pp, pb, pe, ps, pu, pm, n, sigma, inner, outer);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    /// <summary>
    /// The units a live pair may perturb: <c>e = 1</c> where the centre's output and both
    /// <c>D_out(D_in(p ± σ) + b)</c> are non-zero, else 0 (the steps of <see cref="Build"/> with every sign +1 and e = 1).
    /// </summary>
    /// <param name="product">p.</param>
    /// <param name="bias">The layer's bias, already flushed once.</param>
    /// <param name="centre">The centre's output of the row.</param>
    /// <param name="sigma">σ.</param>
    /// <param name="inner">D_in's threshold.</param>
    /// <param name="outer">D_out's threshold.</param>
    /// <param name="eligible">e, written.</param>
    /// <param name="path">The kernel path (all give the same values).</param>
    public static unsafe void Eligibility(
        ReadOnlySpan<float> product, ReadOnlySpan<float> bias, ReadOnlySpan<float> centre, float sigma, float inner, float outer, Span<float> eligible, KernelPath path)
    {
        int n = product.Length;
        if (bias.Length < n || centre.Length < n || eligible.Length < n)
        {
            throw new ArgumentException($"{n} units need {n} values in every operand (bias {bias.Length}, centre {centre.Length}, eligible {eligible.Length}).");
        }

        fixed (float* pp = product)
        fixed (float* pb = bias)
        fixed (float* pc = centre)
        fixed (float* pe = eligible)
        {
            var kernel = new EligibilityKernel(pp, pb, pc, pe, n, sigma, inner, outer);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    /// <summary><c>estimate[i] += c·s[i]</c> with <c>s = δ·e</c> from the same bits and mask (the product is exactly ±c or ±0).</summary>
    /// <param name="signs">δ as bits, as for <see cref="Build"/>.</param>
    /// <param name="eligible">e.</param>
    /// <param name="c">The pair's coefficient.</param>
    /// <param name="estimate">The row's estimate, updated in place.</param>
    /// <param name="path">The kernel path (all give the same bits).</param>
    public static unsafe void Accumulate(ReadOnlySpan<uint> signs, ReadOnlySpan<float> eligible, float c, Span<float> estimate, KernelPath path)
    {
        int n = estimate.Length;
        if (eligible.Length < n || signs.Length < Words(n))
        {
            throw new ArgumentException($"An estimate of {n} units needs {n} eligibility values and {Words(n)} sign words; got {eligible.Length} and {signs.Length}.");
        }

        fixed (uint* ps = signs)
        fixed (float* pe = eligible)
        fixed (float* pd = estimate)
        {
            var kernel = new AccumulateKernel(ps, pe, pd, n, c);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    /// <summary>Sign words for <paramref name="units"/> units.</summary>
    public static int Words(int units) => (units + 31) / 32;

    // The sign bits of lanes i, i+1, …: the lane count divides 32, so a vector's bits never straddle two words.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe uint BitsAt(uint* signs, int i) => signs[i >> 5] >> (i & 31);

    // Each kernel runs its lane loop on the caller's lanes, then the tail on one-float lanes: the same steps.
    private static unsafe void Build<TLanes, TVector>(in BuildKernel k)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int i = 0;
        BuildLanes<TLanes, TVector>(k, ref i);
        BuildLanes<ScalarLanes, float>(k, ref i);
    }

    private static unsafe void BuildLanes<TLanes, TVector>(in BuildKernel k, ref int i)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector up = TLanes.Broadcast(k.Sigma), tIn = TLanes.Broadcast(k.Inner), tOut = TLanes.Broadcast(k.Outer);
        float* product = k.Product, bias = k.Bias, eligible = k.Eligible, plus = k.Plus, minus = k.Minus;
        uint* signs = k.Signs;
        for (int n = k.Length; i <= n - TLanes.Count; i += TLanes.Count)
        {
            TVector d = TLanes.Multiply(TLanes.FlipSigns(TLanes.Load(eligible + i), BitsAt(signs, i)), up);
            TVector p = TLanes.Load(product + i), b = TLanes.Load(bias + i);
            TLanes.Store(AfterBias<TLanes, TVector>(TLanes.Add(p, d), b, tIn, tOut), plus + i);
            TLanes.Store(AfterBias<TLanes, TVector>(TLanes.Subtract(p, d), b, tIn, tOut), minus + i);
        }
    }

    private static unsafe void Eligibility<TLanes, TVector>(in EligibilityKernel k)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int i = 0;
        EligibilityLanes<TLanes, TVector>(k, ref i);
        EligibilityLanes<ScalarLanes, float>(k, ref i);
    }

    private static unsafe void EligibilityLanes<TLanes, TVector>(in EligibilityKernel k, ref int i)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector up = TLanes.Broadcast(k.Sigma), tIn = TLanes.Broadcast(k.Inner), tOut = TLanes.Broadcast(k.Outer);
        float* product = k.Product, bias = k.Bias, centre = k.Centre, eligible = k.Eligible;
        for (int n = k.Length; i <= n - TLanes.Count; i += TLanes.Count)
        {
            TVector p = TLanes.Load(product + i), b = TLanes.Load(bias + i);
            TVector plus = AfterBias<TLanes, TVector>(TLanes.Add(p, up), b, tIn, tOut);
            TVector minus = AfterBias<TLanes, TVector>(TLanes.Subtract(p, up), b, tIn, tOut);
            TVector live = TLanes.Multiply(TLanes.OneWhereNonZero(TLanes.Load(centre + i)), TLanes.Multiply(TLanes.OneWhereNonZero(plus), TLanes.OneWhereNonZero(minus)));
            TLanes.Store(live, eligible + i);
        }
    }

    private static unsafe void Accumulate<TLanes, TVector>(in AccumulateKernel k)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int i = 0;
        AccumulateLanes<TLanes, TVector>(k, ref i);
        AccumulateLanes<ScalarLanes, float>(k, ref i);
    }

    private static unsafe void AccumulateLanes<TLanes, TVector>(in AccumulateKernel k, ref int i)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector c = TLanes.Broadcast(k.Coefficient);
        float* eligible = k.Eligible, estimate = k.Estimate;
        uint* signs = k.Signs;
        for (int n = k.Length; i <= n - TLanes.Count; i += TLanes.Count)
        {
            TVector s = TLanes.FlipSigns(TLanes.Load(eligible + i), BitsAt(signs, i));
            TLanes.Store(TLanes.Add(TLanes.Multiply(s, c), TLanes.Load(estimate + i)), estimate + i);
        }
    }

    // D_out(D_in(x) + b): the layer's bias add on one perturbed product (DeadZone.AddBias's step).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AfterBias<TLanes, TVector>(TVector x, TVector b, TVector tIn, TVector tOut)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged => TLanes.DeadZone(TLanes.Add(TLanes.DeadZone(x, tIn), b), tOut);

    private readonly unsafe struct BuildKernel(float* product, float* bias, float* eligible, uint* signs, float* plus, float* minus, int length, float sigma, float inner, float outer)
        : ILaneKernel<BuildKernel>
    {
        public readonly float* Product = product, Bias = bias, Eligible = eligible, Plus = plus, Minus = minus;
        public readonly uint* Signs = signs;
        public readonly int Length = length;
        public readonly float Sigma = sigma, Inner = inner, Outer = outer;

        public static void Run<TLanes, TVector>(ref BuildKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Build<TLanes, TVector>(kernel);
    }

    private readonly unsafe struct EligibilityKernel(float* product, float* bias, float* centre, float* eligible, int length, float sigma, float inner, float outer)
        : ILaneKernel<EligibilityKernel>
    {
        public readonly float* Product = product, Bias = bias, Centre = centre, Eligible = eligible;
        public readonly int Length = length;
        public readonly float Sigma = sigma, Inner = inner, Outer = outer;

        public static void Run<TLanes, TVector>(ref EligibilityKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Eligibility<TLanes, TVector>(kernel);
    }

    private readonly unsafe struct AccumulateKernel(uint* signs, float* eligible, float* estimate, int length, float coefficient) : ILaneKernel<AccumulateKernel>
    {
        public readonly uint* Signs = signs;
        public readonly float* Eligible = eligible, Estimate = estimate;
        public readonly int Length = length;
        public readonly float Coefficient = coefficient;

        public static void Run<TLanes, TVector>(ref AccumulateKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Accumulate<TLanes, TVector>(kernel);
    }
}
